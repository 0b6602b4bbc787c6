namespace VoucherExport.Testing;

/// <summary>
/// Just enough of the protobuf wire format to read OTLP messages: a message is a run of (field, wire type, value); nested
/// messages, strings and bytes are length-delimited. The OTLP field numbers are in <see cref="OtlpReceiver"/>.
/// </summary>
internal static class ProtobufReader
{
    public readonly record struct Field(int Number, int Wire, ulong Scalar, ReadOnlyMemory<byte> Bytes)
    {
        public string Text => System.Text.Encoding.UTF8.GetString(Bytes.Span);

        public double Double => BitConverter.Int64BitsToDouble((long)Scalar);
    }

    public static IEnumerable<Field> Read(ReadOnlyMemory<byte> message)
    {
        int at = 0;
        while (at < message.Length)
        {
            ulong key = Varint(message.Span, ref at);
            int number = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0:
                    yield return new Field(number, wire, Varint(message.Span, ref at), default);
                    break;
                case 1:
                    yield return new Field(number, wire, BitConverter.ToUInt64(message.Span.Slice(at, 8)), default);
                    at += 8;
                    break;
                case 2:
                    int length = checked((int)Varint(message.Span, ref at));
                    yield return new Field(number, wire, 0, message.Slice(at, length));
                    at += length;
                    break;
                case 5:
                    yield return new Field(number, wire, BitConverter.ToUInt32(message.Span.Slice(at, 4)), default);
                    at += 4;
                    break;
                default:
                    throw new FormatException($"wire type {wire} at byte {at} is not one OTLP uses");
            }
        }
    }

    private static ulong Varint(ReadOnlySpan<byte> bytes, ref int at)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = bytes[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new FormatException("a varint longer than 10 bytes");
    }
}

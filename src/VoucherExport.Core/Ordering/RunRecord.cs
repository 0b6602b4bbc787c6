using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using VoucherExport.Transactions;

namespace VoucherExport.Ordering;

/// <summary>
/// The binary form of a row in a sorted run: compact, written and read without a parser, and exact — decoding gives
/// back every field as it was, so the external sort writes the same bytes as an in-memory one.
/// </summary>
/// <remarks>
/// <code>
/// int32 body length, then the body:
///   int64 created_at UTC ticks, int16 offset minutes      (the sort key's first part)
///   varint id length in chars, the id as UTF-16           (the key's second part, compared as the ordinal comparer does)
///   byte presence flags, zigzag varint amount, balance    (each only when present)
///   source_id, voucher_id, campaign_id, source, reason, type, related_transaction_id:
///       varint 0 for null, else ((byte length &lt;&lt; 1) | utf16) + 1, then the bytes — UTF-8, or UTF-16 for text
///       that is not well-formed UTF-16 (a lone surrogate), which UTF-8 could not carry back
///   varint details length, the details bytes
/// </code>
/// Runs never leave the machine that wrote them, so UTF-16 is stored in the machine's byte order.
/// </remarks>
internal static class RunRecord
{
    /// <summary>The length prefix.</summary>
    public const int PrefixBytes = 4;

    private const int TicksBytes = 8;
    private const int OffsetBytes = 2;
    private const int IdLengthAt = TicksBytes + OffsetBytes;
    private const int MaxVarint32 = 5;
    private const int MaxVarint64 = 10;
    private const byte HasAmount = 1;
    private const byte HasBalance = 2;

    /// <summary>The most bytes <paramref name="row"/> can take, prefix included; a record is reserved this much before writing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long MaxLength(VoucherTransaction row)
    {
        long length = PrefixBytes + TicksBytes + OffsetBytes + MaxVarint32 + (2L * (row.Id?.Length ?? 0))
            + 1 + (2 * MaxVarint64) + MaxVarint32 + row.Details.Length;
        length += MaxText(row.SourceId) + MaxText(row.VoucherId) + MaxText(row.CampaignId) + MaxText(row.Source)
            + MaxText(row.Reason) + MaxText(row.Type) + MaxText(row.RelatedTransactionId);
        return length;
    }

    /// <summary>Writes <paramref name="row"/> into <paramref name="destination"/> (at least <see cref="MaxLength"/> long); returns the bytes written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Write(VoucherTransaction row, Span<byte> destination)
    {
        Span<byte> body = destination[PrefixBytes..];
        BinaryPrimitives.WriteInt64LittleEndian(body, row.CreatedAt.UtcTicks);
        BinaryPrimitives.WriteInt16LittleEndian(body[TicksBytes..], (short)row.CreatedAt.Offset.TotalMinutes);
        int at = IdLengthAt;
        ReadOnlySpan<char> id = row.Id;
        at += WriteVarint(body[at..], (uint)id.Length);
        MemoryMarshal.AsBytes(id).CopyTo(body[at..]);
        at += id.Length * 2;

        byte flags = (byte)((row.Amount.HasValue ? HasAmount : 0) | (row.Balance.HasValue ? HasBalance : 0));
        body[at++] = flags;
        if (row.Amount is { } amount)
        {
            at += WriteVarint(body[at..], ZigZag(amount));
        }

        if (row.Balance is { } balance)
        {
            at += WriteVarint(body[at..], ZigZag(balance));
        }

        at += WriteText(body[at..], row.SourceId);
        at += WriteText(body[at..], row.VoucherId);
        at += WriteText(body[at..], row.CampaignId);
        at += WriteText(body[at..], row.Source);
        at += WriteText(body[at..], row.Reason);
        at += WriteText(body[at..], row.Type);
        at += WriteText(body[at..], row.RelatedTransactionId);
        ReadOnlySpan<byte> details = row.Details.Span;
        at += WriteVarint(body[at..], (uint)details.Length);
        details.CopyTo(body[at..]);
        at += details.Length;

        BinaryPrimitives.WriteInt32LittleEndian(destination, at);
        return PrefixBytes + at;
    }

    /// <summary>The body length in the prefix at the start of <paramref name="record"/>.</summary>
    public static int BodyLength(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt32LittleEndian(record);

    /// <summary>The created_at UTC ticks of a record (prefix included).</summary>
    public static long Ticks(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt64LittleEndian(record[PrefixBytes..]);

    /// <summary>The id of a record (prefix included), as the UTF-16 it was.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ReadOnlySpan<char> Id(ReadOnlySpan<byte> record)
    {
        ReadOnlySpan<byte> body = record[(PrefixBytes + IdLengthAt)..];
        int chars = (int)ReadVarint(body, out int read);
        return MemoryMarshal.Cast<byte, char>(body.Slice(read, chars * 2));
    }

    /// <summary>Rebuilds the row from a record (prefix included); <paramref name="strings"/> shares repeated short text.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static VoucherTransaction Read(ReadOnlySpan<byte> record, RunStringCache strings)
    {
        ReadOnlySpan<byte> body = record.Slice(PrefixBytes, BodyLength(record));
        long ticks = BinaryPrimitives.ReadInt64LittleEndian(body);
        var offset = TimeSpan.FromMinutes(BinaryPrimitives.ReadInt16LittleEndian(body[TicksBytes..]));
        int at = IdLengthAt;
        int idChars = (int)ReadVarint(body[at..], out int read);
        at += read;
        string id = new(MemoryMarshal.Cast<byte, char>(body.Slice(at, idChars * 2)));
        at += idChars * 2;

        byte flags = body[at++];
        long? amount = null, balance = null;
        if ((flags & HasAmount) != 0)
        {
            amount = UnZigZag(ReadVarint(body[at..], out read));
            at += read;
        }

        if ((flags & HasBalance) != 0)
        {
            balance = UnZigZag(ReadVarint(body[at..], out read));
            at += read;
        }

        string? sourceId = ReadText(body, ref at, null);
        string? voucherId = ReadText(body, ref at, null);
        string? campaignId = ReadText(body, ref at, strings);
        string? source = ReadText(body, ref at, strings);
        string? reason = ReadText(body, ref at, null);
        string? type = ReadText(body, ref at, strings);
        string? related = ReadText(body, ref at, null);
        int detailsLength = (int)ReadVarint(body[at..], out read);
        at += read;
        byte[] details = detailsLength == 0 ? [] : body.Slice(at, detailsLength).ToArray();

        return new VoucherTransaction
        {
            Id = id,
            SourceId = sourceId,
            VoucherId = voucherId,
            CampaignId = campaignId,
            Source = source,
            Reason = reason,
            Type = type!,
            Details = details,
            RelatedTransactionId = related,
            CreatedAt = new DateTimeOffset(ticks + offset.Ticks, offset),
            Amount = amount,
            Balance = balance,
        };
    }

    private static long MaxText(string? text) => text is null ? 1 : MaxVarint32 + (3L * text.Length);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int WriteText(Span<byte> destination, string? text)
    {
        if (text is null)
        {
            destination[0] = 0;
            return 1;
        }

        // Usually ASCII: its length in bytes is known before writing, so it is narrowed straight into place after the
        // real header (one vectorized pass, no second copy).
        int asciiHeader = VarintLength((((uint)text.Length) << 1) + 1);
        if (System.Text.Ascii.FromUtf16(text, destination[asciiHeader..], out int narrowed) == System.Buffers.OperationStatus.Done)
        {
            WriteVarint(destination, (((uint)narrowed) << 1) + 1);
            return asciiHeader + narrowed;
        }

        // Otherwise transcode after room for the longest header, then slide the bytes next to the real header.
        Span<byte> room = destination[MaxVarint32..];
        bool utf16 = Utf8.FromUtf16(text, room, out _, out int written, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done;
        if (utf16)
        {
            ReadOnlySpan<byte> raw = MemoryMarshal.AsBytes(text.AsSpan());
            raw.CopyTo(room);
            written = raw.Length;
        }

        int header = WriteVarint(destination, (((uint)written << 1) | (utf16 ? 1u : 0u)) + 1);
        if (header != MaxVarint32)
        {
            room[..written].CopyTo(destination[header..]);
        }

        return header + written;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? ReadText(ReadOnlySpan<byte> body, ref int at, RunStringCache? strings)
    {
        uint header = (uint)ReadVarint(body[at..], out int read);
        at += read;
        if (header == 0)
        {
            return null;
        }

        header--;
        int length = (int)(header >> 1);
        ReadOnlySpan<byte> bytes = body.Slice(at, length);
        at += length;
        if ((header & 1) != 0)
        {
            return new string(MemoryMarshal.Cast<byte, char>(bytes));
        }

        return strings is null ? Encoding.UTF8.GetString(bytes) : strings.Get(bytes);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong ReadVarint(ReadOnlySpan<byte> source, out int read)
    {
        ulong value = 0;
        int shift = 0;
        int i = 0;
        byte b;
        do
        {
            b = source[i++];
            value |= (ulong)(b & 0x7F) << shift;
            shift += 7;
        }
        while (b >= 0x80);

        read = i;
        return value;
    }

    private static int VarintLength(uint value) => value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);
}

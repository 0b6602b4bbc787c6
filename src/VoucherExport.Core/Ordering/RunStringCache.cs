using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace VoucherExport.Ordering;

/// <summary>
/// Shares the strings of short, often repeated text (type, channel, campaign) while runs are decoded, so the merge
/// allocates one string for each, not one a row. A small direct-mapped table: a miss only costs the allocation it
/// was going to make anyway.
/// </summary>
internal sealed class RunStringCache
{
    // Types, channels and campaign ids are short; longer text rarely repeats and would only churn the table.
    private const int MaxCachedBytes = 48;
    private const int Slots = 256;

    private readonly byte[]?[] _keys = new byte[Slots][];
    private readonly string?[] _values = new string[Slots];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxCachedBytes)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        int slot = Hash(utf8) & (Slots - 1);
        byte[]? key = _keys[slot];
        if (key is not null && utf8.SequenceEqual(key))
        {
            return _values[slot]!;
        }

        string value = Encoding.UTF8.GetString(utf8);
        _keys[slot] = utf8.ToArray();
        _values[slot] = value;
        return value;
    }

    private static int Hash(ReadOnlySpan<byte> utf8)
    {
        // The length and the bytes at both ends tell apart the repeated values seen in ledgers; collisions only miss.
        ulong head = 0, tail = 0;
        if (utf8.Length >= 8)
        {
            head = BinaryPrimitives.ReadUInt64LittleEndian(utf8);
            tail = BinaryPrimitives.ReadUInt64LittleEndian(utf8[^8..]);
        }
        else
        {
            foreach (byte b in utf8)
            {
                head = (head << 8) | b;
            }
        }

        ulong mixed = (head * 0x9E3779B97F4A7C15UL) ^ (tail * 0xC2B2AE3D27D4EB4FUL) ^ (ulong)utf8.Length;
        return (int)(mixed >> 40);
    }
}

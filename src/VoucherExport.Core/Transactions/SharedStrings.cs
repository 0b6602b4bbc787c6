using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace VoucherExport.Transactions;

/// <summary>
/// The strings one read of a file ledger shares its repeating texts through (voucher and campaign ids, sources, types,
/// short reasons): a ledger names a few thousand vouchers across millions of rows, so a row takes the copy an earlier
/// row made instead of allocating its own. Only short texts are kept, so a hostile file cannot make the table hold much.
/// </summary>
/// <remarks>
/// A two-way set-associative table of strings, read and written without a lock by every parsing thread of the read: a
/// slot holds one reference, written whole, so a thread sees either the old string or the new one; a lost or
/// overwritten entry only costs the allocation the row was going to make anyway. A text is found by comparing the
/// string itself with the bytes (no key copy). It replaced CommunityToolkit's <c>StringPool</c>, whose locking and
/// least-used eviction took about a fifth of the CPU of a JSON Lines export (docs/architecture.md, "Shared strings").
/// Each field (<see cref="SharedField"/>) decides for itself whether it uses the table: a lookup that misses costs more
/// than the string it would have saved, and a ledger of many vouchers with few transactions each rarely repeats an id
/// (docs/architecture.md, "CPU per row of a JSON Lines export", item 16).
/// </remarks>
internal sealed class SharedStrings
{
    /// <summary>The longest text shared, in UTF-8 bytes or chars: ids are about 30; longer texts are rarely repeated.</summary>
    public const int MaxBytes = 64;

    /// <summary>
    /// Slots of a read's table (a power of two, in pairs): room for tens of thousands of vouchers; 256 KiB of references,
    /// and at most a few MiB of strings with <see cref="MaxBytes"/>-long texts.
    /// </summary>
    public const int Slots = 32 * 1024;

    /// <summary>Picked texts a field's decision is made on (about 16 times as many texts of the field).</summary>
    public const int SampleWindow = 256;

    private readonly string?[] _slots = new string?[Slots];

    private readonly Gate[] _gates = new Gate[Enum.GetValues<SharedField>().Length];

    /// <summary>
    /// One field's counts and decision. 128 bytes with the fields in the middle, so that two fields' counts never share
    /// a cache line, which the parsing threads would otherwise pass back and forth.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Gate
    {
        [FieldOffset(64)]
        public int Samples;

        [FieldOffset(68)]
        public int Hits;

        [FieldOffset(72)]
        public bool Skip;
    }

    /// <summary>A fresh table for one read; it is dropped with the read, so nothing of a ledger outlives its export.</summary>
    public static SharedStrings ForOneRead() => new();

    /// <summary>
    /// The string of <paramref name="utf8"/>, which must be valid UTF-8: the one made for an earlier equal text when the
    /// table still holds it, else a new one (kept when it is short and ASCII, the texts that repeat in ledgers).
    /// <paramref name="field"/> names what the text is, so that a field whose texts do not repeat skips the table.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string Get(ReadOnlySpan<byte> utf8, SharedField field)
    {
        if (utf8.IsEmpty || utf8.Length > MaxBytes)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        ulong hash = Hash(utf8);
        ref Gate gate = ref _gates[(int)field];
        if (IsSample(hash))
        {
            string text = LookUp(utf8, hash, out bool found);
            Count(ref gate, found);
            return text;
        }

        return gate.Skip ? Encoding.UTF8.GetString(utf8) : LookUp(utf8, hash, out _);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private string LookUp(ReadOnlySpan<byte> utf8, ulong hash, out bool found)
    {
        found = true;
        int pair = (int)(hash >> 40) & (Slots - 2);
        string? first = Volatile.Read(ref _slots[pair]);
        if (first is not null && Ascii.Equals(utf8, first))
        {
            return first;
        }

        string? second = Volatile.Read(ref _slots[pair + 1]);
        if (second is not null && Ascii.Equals(utf8, second))
        {
            return second;
        }

        found = false;
        string made = Encoding.UTF8.GetString(utf8);

        // Only ASCII texts are kept: they are the ones Ascii.Equals can find again, and one UTF-8 byte a char.
        if (made.Length == utf8.Length)
        {
            Keep(pair, first, second, hash, made);
        }

        return made;
    }

    /// <summary>The string of <paramref name="text"/>: the one made for an earlier equal text when the table still holds it, else a new one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string Get(ReadOnlySpan<char> text, SharedField field)
    {
        if (text.IsEmpty || text.Length > MaxBytes)
        {
            return text.ToString();
        }

        ulong hash = Hash(MemoryMarshal.AsBytes(text));
        ref Gate gate = ref _gates[(int)field];
        if (IsSample(hash))
        {
            string shared = LookUp(text, hash, out bool found);
            Count(ref gate, found);
            return shared;
        }

        return gate.Skip ? text.ToString() : LookUp(text, hash, out _);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private string LookUp(ReadOnlySpan<char> text, ulong hash, out bool found)
    {
        found = true;
        int pair = (int)(hash >> 40) & (Slots - 2);
        string? first = Volatile.Read(ref _slots[pair]);
        if (first is not null && text.SequenceEqual(first))
        {
            return first;
        }

        string? second = Volatile.Read(ref _slots[pair + 1]);
        if (second is not null && text.SequenceEqual(second))
        {
            return second;
        }

        found = false;
        string made = text.ToString();
        Keep(pair, first, second, hash, made);
        return made;
    }

    /// <summary>Whether <paramref name="utf8"/> is one of the texts that always go through the table (for tests).</summary>
    internal static bool IsSampled(ReadOnlySpan<byte> utf8) => IsSample(Hash(utf8));

    /// <summary>
    /// Whether the text is one of the sixteenth that always goes through the table and counts for its field. The hash
    /// picks it, so an equal text is always picked or never: the share found among the picked ones is the field's own,
    /// whether the field skips the table or not. (A field whose repeating texts all happen to be unpicked stays off the
    /// table; that costs allocations, never a wrong text.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSample(ulong hash) => ((hash >> 56) & 15) == 0;

    /// <summary>
    /// Counts a picked text; every <see cref="SampleWindow"/> of them decides whether the field keeps using the table:
    /// it does while at least half of them were found there. A lookup that misses costs more than the string it was
    /// meant to save (two cache misses, then the allocation anyway), so ids that rarely repeat are better made fresh.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Count(ref Gate gate, bool found)
    {
        // Parsing threads count without a lock: a lost count only shifts one decision a little.
        int samples = ++gate.Samples;
        int hits = found ? ++gate.Hits : gate.Hits;
        if (samples >= SampleWindow)
        {
            gate.Skip = hits * 2 < samples;
            gate.Samples = 0;
            gate.Hits = 0;
        }
    }

    /// <summary>Puts <paramref name="made"/> in an empty slot of the pair, else in the one a bit of the hash picks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Keep(int pair, string? first, string? second, ulong hash, string made)
    {
        int slot = first is null ? pair : second is null ? pair + 1 : pair + (int)(hash >> 63);
        Volatile.Write(ref _slots[slot], made);
    }

    /// <summary>
    /// The length and the eight bytes at each end: enough to tell apart the ids, types and sources of a ledger (random
    /// tails, shared prefixes), and a constant cost whatever the length. Collisions only cost a miss.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        ulong head, tail;
        if (bytes.Length >= 8)
        {
            head = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            tail = BinaryPrimitives.ReadUInt64LittleEndian(bytes[^8..]);
        }
        else
        {
            head = 0;
            foreach (byte b in bytes)
            {
                head = (head << 8) | b;
            }

            tail = 0;
        }

        return (head * 0x9E3779B97F4A7C15UL) ^ (tail * 0xC2B2AE3D27D4EB4FUL) ^ ((ulong)bytes.Length * 0x165667B19E3779F9UL);
    }
}

/// <summary>The fields whose texts a <see cref="SharedStrings"/> table shares; each decides on its own whether to.</summary>
internal enum SharedField
{
    VoucherId,
    CampaignId,
    Source,
    Reason,
    Type,
}

using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Text.Unicode;

namespace VoucherExport.Csv;

/// <summary>
/// The cell-level UTF-8 encoders of the writer. Each writes into a span the caller has already sized with the
/// matching <c>*Bound</c>, so a cell never needs a second look at the output buffer.
/// </summary>
internal static class CsvCell
{
    /// <summary>long.MinValue is 20 characters; the invariant form of any long fits.</summary>
    public const int NumberBound = 20;

    /// <summary><c>yyyy-MM-ddTHH:mm:ss.fffZ</c>.</summary>
    public const int DateBound = 24;

    /// <summary><c>yyyy-MM-ddTHH:</c>, the part of a timestamp that repeats across the rows of one hour.</summary>
    public const int HourPrefixLength = 14;

    /// <summary>
    /// The largest cell the writer will try to reserve. Beyond this the output buffer could not hold it anyway
    /// (arrays stop at <see cref="Array.MaxLength"/>), so the writer fails early with a named error instead.
    /// </summary>
    public const long MaxCellBytes = 0x3FFF_FFFF;

    private static readonly SearchValues<byte> s_comma = SearchValues.Create(",\"\r\n"u8);
    private static readonly SearchValues<byte> s_semicolon = SearchValues.Create(";\"\r\n"u8);
    private static readonly SearchValues<byte> s_tab = SearchValues.Create("\t\"\r\n"u8);
    private static readonly SearchValues<byte> s_pipe = SearchValues.Create("|\"\r\n"u8);

    /// <summary>
    /// For each 8-bit mask of quotes in an 8-byte block, the byte shuffle that writes the block with those quotes
    /// doubled (8 + popcount bytes; the lanes after them are zeroed and later overwritten).
    /// </summary>
    private static readonly byte[] s_doublingShuffles = BuildDoublingShuffles();

    /// <summary>The bytes that force a cell into quotes under <paramref name="delimiter"/>.</summary>
    public static SearchValues<byte> SpecialsFor(char delimiter) => delimiter switch
    {
        ',' => s_comma,
        ';' => s_semicolon,
        '\t' => s_tab,
        '|' => s_pipe,
        _ => throw new ArgumentOutOfRangeException(nameof(delimiter), delimiter, "not a supported delimiter"),
    };

    /// <summary>
    /// Worst case for <paramref name="length"/> UTF-16 chars: no char takes more than 3 UTF-8 bytes even after
    /// quote doubling (a '"' is 1 byte, doubled 2), plus the two enclosing quotes and a formula-guard apostrophe.
    /// </summary>
    public static long TextBound(int length) => (3L * length) + 3;

    /// <summary>Every '"' of the JSON doubled, plus the enclosing quotes.</summary>
    public static long JsonBound(int length) => (2L * length) + 2;

    /// <summary>Whether a text cell starting with <paramref name="first"/> could be run as a formula by a spreadsheet.</summary>
    public static bool IsFormulaStart(char first) => first is '=' or '+' or '-' or '@' or '\t' or '\r' or '\n';

    /// <summary>
    /// Transcodes <paramref name="text"/> into <paramref name="destination"/>, guarded and quoted as needed.
    /// <paramref name="destination"/> must hold <see cref="TextBound"/> bytes. Lone surrogates become U+FFFD.
    /// <paramref name="specials"/> must be <see cref="SpecialsFor"/> of <paramref name="delimiter"/>.
    /// </summary>
    public static int WriteText(
        Span<byte> destination, ReadOnlySpan<char> text, bool formulaGuard, byte delimiter, SearchValues<byte> specials)
    {
        int start = 0;
        if (formulaGuard && !text.IsEmpty && IsFormulaStart(text[0]))
        {
            destination[0] = (byte)'\'';
            start = 1;
        }
        else if (TryNarrowAscii(text, destination, delimiter, out bool needsQuotes))
        {
            // Ids, types and most reasons are ASCII: one pass narrows them and finds the bytes that force quotes.
            return needsQuotes ? QuoteInPlace(destination, text.Length) : text.Length;
        }

        // The bound guarantees room, so the only non-Done status would be a bug; replacement keeps lone surrogates from failing.
        Utf8.FromUtf16(text, destination[start..], out _, out int written, replaceInvalidSequences: true);
        int length = start + written;
        return destination[..length].ContainsAny(specials) ? QuoteInPlace(destination, length) : length;
    }

    /// <summary>
    /// <see cref="WriteText"/> for text that is UTF-8 already (valid, as a checked ledger line's strings are): the same
    /// bytes, copied instead of encoded. <paramref name="destination"/> must hold <see cref="TextBound"/> of its length.
    /// </summary>
    public static int WriteUtf8Text(
        Span<byte> destination, ReadOnlySpan<byte> utf8, bool formulaGuard, SearchValues<byte> specials)
    {
        int start = 0;
        if (formulaGuard && !utf8.IsEmpty && IsFormulaStart((char)utf8[0]))
        {
            destination[0] = (byte)'\'';
            start = 1;
        }

        utf8.CopyTo(destination[start..]);
        int length = start + utf8.Length;
        return utf8.ContainsAny(specials) ? QuoteInPlace(destination, length) : length;
    }

    /// <summary>
    /// Turns the <paramref name="length"/> bytes at the start of <paramref name="cell"/> into one RFC 4180 quoted field,
    /// in place, working from the end so every byte moves once. Returns the new length.
    /// </summary>
    public static int QuoteInPlace(Span<byte> cell, int length)
    {
        int quotes = cell[..length].Count((byte)'"');
        int quotedLength = length + quotes + 2;
        cell[quotedLength - 1] = (byte)'"';

        int source = length;
        int target = quotedLength - 1;
        while (true)
        {
            int quote = cell[..source].LastIndexOf((byte)'"');
            int segment = source - (quote + 1);

            // Overlapping copy is fine: Span.CopyTo behaves as memmove.
            cell.Slice(quote + 1, segment).CopyTo(cell[(target - segment)..]);
            target -= segment;
            if (quote < 0)
            {
                break;
            }

            cell[target - 1] = (byte)'"';
            cell[target - 2] = (byte)'"';
            target -= 2;
            source = quote;
        }

        cell[0] = (byte)'"';
        return quotedLength;
    }

    /// <summary>
    /// Writes non-empty <paramref name="json"/> as one quoted cell with its quotes doubled.
    /// <paramref name="destination"/> must hold <see cref="JsonBound"/> bytes.
    /// </summary>
    /// <remarks>
    /// JSON has a quote every few bytes, so an IndexOf per quote spends more on calls than on copying, and even a
    /// branchless byte loop was a quarter of the whole writer's time. Each 16-byte block is split into two halves whose
    /// quote masks pick a precomputed shuffle that writes the half with its quotes doubled: a handful of instructions
    /// per 8 bytes, whatever the quote density. Without a byte shuffle in hardware, blocks without quotes are copied
    /// whole and the others byte by byte.
    /// </remarks>
    public static int WriteQuotedJson(Span<byte> destination, ReadOnlySpan<byte> json)
    {
        destination = destination[..(int)JsonBound(json.Length)];
        destination[0] = (byte)'"';
        int position = 1;
        int i = 0;
        if (Ssse3.IsSupported || AdvSimd.Arm64.IsSupported)
        {
            i = DoubleQuotesByShuffle(destination, json, ref position);
        }
        else
        {
            Vector128<byte> quote = Vector128.Create((byte)'"');
            for (; i <= json.Length - Vector128<byte>.Count; i += Vector128<byte>.Count)
            {
                Vector128<byte> block = Vector128.Create(json.Slice(i, Vector128<byte>.Count));
                if (Vector128.EqualsAny(block, quote))
                {
                    position = CopyDoublingQuotes(json.Slice(i, Vector128<byte>.Count), destination, position);
                }
                else
                {
                    block.CopyTo(destination[position..]);
                    position += Vector128<byte>.Count;
                }
            }
        }

        position = CopyDoublingQuotes(json[i..], destination, position);
        destination[position++] = (byte)'"';
        return position;
    }

    /// <summary>Writes <paramref name="value"/> in invariant form; <paramref name="destination"/> must hold <see cref="NumberBound"/> bytes.</summary>
    public static int WriteNumber(Span<byte> destination, long value)
    {
        Utf8Formatter.TryFormat(value, destination, out int written);
        return written;
    }

    /// <summary>Writes <c>yyyy-MM-ddTHH:</c> of hour number <paramref name="hour"/> (hours since 0001-01-01T00).</summary>
    public static void WriteHourPrefix(Span<byte> destination, long hour)
    {
        var date = DateOnly.FromDayNumber((int)(hour / 24));
        WriteTwoDigits(destination, date.Year / 100);
        WriteTwoDigits(destination[2..], date.Year % 100);
        destination[4] = (byte)'-';
        WriteTwoDigits(destination[5..], date.Month);
        destination[7] = (byte)'-';
        WriteTwoDigits(destination[8..], date.Day);
        destination[10] = (byte)'T';
        WriteTwoDigits(destination[11..], (int)(hour % 24));
        destination[13] = (byte)':';
    }

    /// <summary>Writes <c>mm:ss.fffZ</c> for the millisecond of the hour <paramref name="millisecond"/>.</summary>
    public static void WriteRestOfHour(Span<byte> destination, int millisecond)
    {
        // Fixed-width digits by constant division: the JIT turns these into multiplications.
        int minute = millisecond / 60_000;
        millisecond -= minute * 60_000;
        int second = millisecond / 1000;
        millisecond -= second * 1000;
        int hundreds = millisecond / 100;

        destination[9] = (byte)'Z';
        WriteTwoDigits(destination, minute);
        destination[2] = (byte)':';
        WriteTwoDigits(destination[3..], second);
        destination[5] = (byte)'.';
        destination[6] = (byte)('0' + hundreds);
        WriteTwoDigits(destination[7..], millisecond - (hundreds * 100));
    }

    /// <summary>
    /// Narrows <paramref name="text"/> into <paramref name="destination"/> when every char is ASCII, and says whether a
    /// byte of it forces quotes; returns false, with nothing decided, at the first char that is not ASCII.
    /// </summary>
    /// <remarks>
    /// Blocks of 16 chars, the last one overlapping the one before; text of 8 to 15 chars is two overlapping halves of
    /// one block. Only text shorter than 8 chars (a source like <c>API</c>) takes the scalar loop.
    /// </remarks>
    private static bool TryNarrowAscii(ReadOnlySpan<char> text, Span<byte> destination, byte delimiter, out bool needsQuotes)
    {
        const int Half = 8;
        const int Block = 16;
        int length = text.Length;
        if (length < Half)
        {
            return TryNarrowAsciiShort(text, destination, delimiter, out needsQuotes);
        }

        ReadOnlySpan<ushort> chars = MemoryMarshal.Cast<char, ushort>(text);
        Vector128<ushort> nonAscii = Vector128.Create((ushort)0xFF80);
        Vector128<byte> found = Vector128<byte>.Zero;
        if (length < Block)
        {
            Vector128<ushort> first = Vector128.Create(chars[..Half]);
            Vector128<ushort> last = Vector128.Create(chars[(length - Half)..]);
            if (((first | last) & nonAscii) != Vector128<ushort>.Zero)
            {
                needsQuotes = false;
                return false;
            }

            Vector128<byte> bytes = Vector128.Narrow(first, last);
            found = Specials(bytes, delimiter);
            bytes.GetLower().CopyTo(destination);
            bytes.GetUpper().CopyTo(destination[(length - Half)..]);
            needsQuotes = found != Vector128<byte>.Zero;
            return true;
        }

        int position = 0;
        while (true)
        {
            Vector128<ushort> lower = Vector128.Create(chars.Slice(position, Half));
            Vector128<ushort> upper = Vector128.Create(chars.Slice(position + Half, Half));
            if (((lower | upper) & nonAscii) != Vector128<ushort>.Zero)
            {
                needsQuotes = false;
                return false;
            }

            Vector128<byte> bytes = Vector128.Narrow(lower, upper);
            found |= Specials(bytes, delimiter);
            bytes.CopyTo(destination[position..]);
            if (position == length - Block)
            {
                break;
            }

            position = Math.Min(position + Block, length - Block);
        }

        needsQuotes = found != Vector128<byte>.Zero;
        return true;
    }

    /// <summary>The lanes of <paramref name="bytes"/> that hold the delimiter, a quote, CR or LF.</summary>
    private static Vector128<byte> Specials(Vector128<byte> bytes, byte delimiter) =>
        Vector128.Equals(bytes, Vector128.Create(delimiter)) | Vector128.Equals(bytes, Vector128.Create((byte)'"'))
        | Vector128.Equals(bytes, Vector128.Create((byte)'\r')) | Vector128.Equals(bytes, Vector128.Create((byte)'\n'));

    private static bool TryNarrowAsciiShort(ReadOnlySpan<char> text, Span<byte> destination, byte delimiter, out bool needsQuotes)
    {
        int special = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c > 0x7F)
            {
                needsQuotes = false;
                return false;
            }

            destination[i] = (byte)c;
            special |= c == delimiter || c is '"' or '\r' or '\n' ? 1 : 0;
        }

        needsQuotes = special != 0;
        return true;
    }

    /// <summary>
    /// Copies the whole 16-byte blocks of <paramref name="json"/> after <paramref name="position"/> with their quotes
    /// doubled, a half block per shuffle; returns how many input bytes it took.
    /// </summary>
    /// <remarks>
    /// A block at input offset i starts writing at most at 1 + 2i and each half stores 16 bytes, which stays inside the
    /// <see cref="JsonBound"/> of 2 * length + 2 while a whole block of input remains (i ≤ length − 16): hence the
    /// unchecked loads and stores. The shuffle table has an entry for every 8-bit mask, so its loads are in range too.
    /// </remarks>
    private static int DoubleQuotesByShuffle(Span<byte> destination, ReadOnlySpan<byte> json, ref int position)
    {
        Debug.Assert(destination.Length >= JsonBound(json.Length), "the caller sized the destination with JsonBound");
        ref byte source = ref MemoryMarshal.GetReference(json);
        ref byte target = ref MemoryMarshal.GetReference(destination);
        ref byte shuffles = ref MemoryMarshal.GetArrayDataReference(s_doublingShuffles);
        Vector128<byte> quote = Vector128.Create((byte)'"');
        Vector128<byte> upperHalf = Vector128.Create((byte)8);
        nuint at = (nuint)position;
        int i = 0;
        for (; i <= json.Length - Vector128<byte>.Count; i += Vector128<byte>.Count)
        {
            Vector128<byte> block = Vector128.LoadUnsafe(ref source, (nuint)i);
            uint quotes = Vector128.Equals(block, quote).ExtractMostSignificantBits();
            if (quotes == 0)
            {
                block.StoreUnsafe(ref target, at);
                at += (nuint)Vector128<byte>.Count;
                continue;
            }

            uint low = quotes & 0xFF;
            uint high = quotes >> 8;
            Shuffle(block, Vector128.LoadUnsafe(ref shuffles, low * 16)).StoreUnsafe(ref target, at);
            at += 8 + (nuint)BitOperations.PopCount(low);
            Shuffle(block, Vector128.LoadUnsafe(ref shuffles, high * 16) + upperHalf).StoreUnsafe(ref target, at);
            at += 8 + (nuint)BitOperations.PopCount(high);
        }

        position = (int)at;
        return i;
    }

    /// <summary>A byte shuffle where an index with the high bit set (or beyond 15) gives 0.</summary>
    private static Vector128<byte> Shuffle(Vector128<byte> block, Vector128<byte> indices) =>
        Ssse3.IsSupported ? Ssse3.Shuffle(block, indices) : AdvSimd.Arm64.VectorTableLookup(block, indices);

    private static byte[] BuildDoublingShuffles()
    {
        var table = new byte[256 * Vector128<byte>.Count];
        for (int mask = 0; mask < 256; mask++)
        {
            Span<byte> shuffle = table.AsSpan(mask * Vector128<byte>.Count, Vector128<byte>.Count);

            // 0x80 zeroes a lane in both pshufb and tbl, and stays out of range after the offset of the upper half is added.
            shuffle.Fill(0x80);
            int k = 0;
            for (int bit = 0; bit < 8; bit++)
            {
                shuffle[k++] = (byte)bit;
                if ((mask & (1 << bit)) != 0)
                {
                    shuffle[k++] = (byte)bit;
                }
            }
        }

        return table;
    }

    private static int CopyDoublingQuotes(ReadOnlySpan<byte> source, Span<byte> destination, int position)
    {
        foreach (byte b in source)
        {
            destination[position + 1] = b;
            destination[position] = b;
            position += b == (byte)'"' ? 2 : 1;
        }

        return position;
    }

    /// <summary>Writes 0 to 99 as two digits, from a table: one load and one store.</summary>
    private static void WriteTwoDigits(Span<byte> destination, int value) => TwoDigits.Slice(value * 2, 2).CopyTo(destination);

    /// <summary>"00" to "99", back to back.</summary>
    private static ReadOnlySpan<byte> TwoDigits =>
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;
}

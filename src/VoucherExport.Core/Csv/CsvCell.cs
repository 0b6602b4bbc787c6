using System.Buffers;
using System.Buffers.Text;
using System.Runtime.Intrinsics;
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

    /// <summary><c>yyyy-MM-ddT</c>, the part of a timestamp that repeats across the rows of one day.</summary>
    public const int DatePrefixLength = 11;

    /// <summary>
    /// The largest cell the writer will try to reserve. Beyond this the output buffer could not hold it anyway
    /// (arrays stop at <see cref="Array.MaxLength"/>), so the writer fails early with a named error instead.
    /// </summary>
    public const long MaxCellBytes = 0x3FFF_FFFF;

    private static readonly SearchValues<byte> s_comma = SearchValues.Create(",\"\r\n"u8);
    private static readonly SearchValues<byte> s_semicolon = SearchValues.Create(";\"\r\n"u8);
    private static readonly SearchValues<byte> s_tab = SearchValues.Create("\t\"\r\n"u8);
    private static readonly SearchValues<byte> s_pipe = SearchValues.Create("|\"\r\n"u8);

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
    /// </summary>
    public static int WriteText(Span<byte> destination, ReadOnlySpan<char> text, bool formulaGuard, SearchValues<byte> specials)
    {
        int start = 0;
        if (formulaGuard && !text.IsEmpty && IsFormulaStart(text[0]))
        {
            destination[0] = (byte)'\'';
            start = 1;
        }

        // The bound guarantees room, so the only non-Done status would be a bug; replacement keeps lone surrogates from failing.
        Utf8.FromUtf16(text, destination[start..], out _, out int written, replaceInvalidSequences: true);
        int length = start + written;

        // Ids, types and most reasons need no quotes: one vectorized scan of the bytes just written decides it.
        return destination[..length].ContainsAny(specials) ? QuoteInPlace(destination, length) : length;
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
    /// JSON has a quote every few bytes, so an IndexOf per quote spends more on calls than on copying (measured about
    /// 1.5x slower on Voucherify-shaped details). Instead, 16-byte blocks without a quote are copied whole, and blocks
    /// with one are copied byte by byte without branches: each byte is written twice and the position moves by 2 only
    /// after a quote.
    /// </remarks>
    public static int WriteQuotedJson(Span<byte> destination, ReadOnlySpan<byte> json)
    {
        destination = destination[..(int)JsonBound(json.Length)];
        destination[0] = (byte)'"';
        int position = 1;
        int i = 0;
        Vector128<byte> quote = Vector128.Create((byte)'"');
        while (i <= json.Length - Vector128<byte>.Count)
        {
            Vector128<byte> block = Vector128.Create(json.Slice(i, Vector128<byte>.Count));
            if (!Vector128.EqualsAny(block, quote))
            {
                block.CopyTo(destination[position..]);
                position += Vector128<byte>.Count;
                i += Vector128<byte>.Count;
                continue;
            }

            position = CopyDoublingQuotes(json.Slice(i, Vector128<byte>.Count), destination, position);
            i += Vector128<byte>.Count;
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

    /// <summary>Writes <c>yyyy-MM-ddT</c> of day number <paramref name="day"/> (days since 0001-01-01).</summary>
    public static void WriteDatePrefix(Span<byte> destination, long day)
    {
        var date = DateOnly.FromDayNumber((int)day);
        WriteFourDigits(destination, date.Year);
        destination[4] = (byte)'-';
        WriteTwoDigits(destination[5..], date.Month);
        destination[7] = (byte)'-';
        WriteTwoDigits(destination[8..], date.Day);
        destination[10] = (byte)'T';
    }

    /// <summary>Writes <c>HH:mm:ss.fffZ</c> for the millisecond of the day <paramref name="millisecond"/>.</summary>
    public static void WriteTimeOfDay(Span<byte> destination, int millisecond)
    {
        // Fixed-width digits by constant division: the JIT turns these into multiplications.
        int hour = millisecond / 3_600_000;
        millisecond -= hour * 3_600_000;
        int minute = millisecond / 60_000;
        millisecond -= minute * 60_000;
        int second = millisecond / 1000;
        millisecond -= second * 1000;

        destination[12] = (byte)'Z';
        WriteTwoDigits(destination, hour);
        destination[2] = (byte)':';
        WriteTwoDigits(destination[3..], minute);
        destination[5] = (byte)':';
        WriteTwoDigits(destination[6..], second);
        destination[8] = (byte)'.';
        int hundreds = millisecond / 100;
        destination[9] = (byte)('0' + hundreds);
        WriteTwoDigits(destination[10..], millisecond - (hundreds * 100));
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

    private static void WriteTwoDigits(Span<byte> destination, int value)
    {
        int tens = value / 10;
        destination[1] = (byte)('0' + (value - (tens * 10)));
        destination[0] = (byte)('0' + tens);
    }

    private static void WriteFourDigits(Span<byte> destination, int value)
    {
        int high = value / 100;
        WriteTwoDigits(destination[2..], value - (high * 100));
        WriteTwoDigits(destination, high);
    }
}

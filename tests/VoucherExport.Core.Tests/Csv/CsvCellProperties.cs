using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using System.Globalization;
using VoucherExport.Csv;
using VoucherExport.Parameters;

namespace VoucherExport.Tests.Csv;

/// <summary>
/// The vectorized cell encoders against naive string versions, on inputs built to hit every block boundary: the quote
/// doubling of details (16-byte blocks, two 8-byte halves) and the ASCII narrowing of text (8-char blocks, overlapping tail).
/// </summary>
public class CsvCellProperties
{
    /// <summary>Mostly quotes and plain bytes, some high bytes (the writer copies bytes as they are), any length up to a few blocks.</summary>
    private static readonly Gen<byte[]> s_json =
        Gen.Frequency((6, Gen.Constant((byte)'"')), (6, Gen.Elements("abc{}:,0"u8.ToArray())), (1, Gen.Elements<byte>(0x80, 0xC3, 0xFF)))
            .ArrayOf()
            .Where(bytes => bytes.Length > 0);

    /// <summary>ASCII text with a special (any delimiter, quote, CR, LF) or a non-ASCII char at any position, or neither.</summary>
    private static readonly Gen<string> s_text =
        from length in Gen.Choose(0, 40)
        from plain in Gen.Elements('a', 'Z', '0', '_', ' ', '=', '\'').ArrayOf(length)
        from special in Gen.Elements('\0', ',', ';', '\t', '|', '"', '\r', '\n', 'é', '€', '\u007F', '\u0080', '\uD800')
        from position in Gen.Choose(0, Math.Max(0, length - 1))
        select length == 0 || special == '\0' ? new string(plain) : new string(plain).Remove(position, 1).Insert(position, special.ToString());

    [Property(MaxTest = 500)]
    public Property QuotedJsonDoublesEveryQuote() => Prop.ForAll(s_json.ToArbitrary(), json =>
    {
        var destination = new byte[CsvCell.JsonBound(json.Length)];
        int written = CsvCell.WriteQuotedJson(destination, json);
        byte[] expected = [(byte)'"', .. json.SelectMany(b => b == (byte)'"' ? new[] { b, b } : [b]), (byte)'"'];
        Assert.Equal(expected, destination[..written]);
    });

    [Property(MaxTest = 800)]
    public Property TextIsQuotedExactlyWhenItMustBe() => Prop.ForAll(
        (from text in s_text
         from delimiter in Gen.Elements(',', ';', '\t', '|')
         from guard in Gen.Elements(false, true)
         select (text, delimiter, guard)).ToArbitrary(),
        input =>
        {
            var (text, delimiter, guard) = input;
            var destination = new byte[CsvCell.TextBound(text.Length)];
            int written = CsvCell.WriteText(destination, text, guard, (byte)delimiter, CsvCell.SpecialsFor(delimiter));

            string value = guard && text.Length > 0 && CsvCell.IsFormulaStart(text[0]) ? "'" + text : text;
            bool quote = value.Contains(delimiter, StringComparison.Ordinal) || value.AsSpan().IndexOfAny("\"\r\n") >= 0;
            string expected = quote ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

            // Lone surrogates become U+FFFD, as the encoder replaces them.
            Assert.Equal(Encoding.UTF8.GetBytes(expected), destination[..written]);
        });

    /// <summary>Instants anywhere in the calendar, and runs of instants within one hour, in any order: the cached hour must follow.</summary>
    [Property(MaxTest = 300)]
    public Property DatesMatchTheInvariantFormatWhateverCameBefore() => Prop.ForAll(
        (from start in Gen.Choose(0, int.MaxValue).Select(n => (long)n * 1_000_000_000 % DateTime.MaxValue.Ticks)
         from steps in Gen.Choose(-7_200_000, 7_200_000).ArrayOf()
         select (start, steps)).ToArbitrary(),
        input =>
        {
            var writer = new CsvRecordWriter(CsvFormat.Default, [TransactionField.CreatedAt]);
            long ticks = input.start;
            foreach (int step in input.steps.Prepend(0))
            {
                ticks = Math.Clamp(ticks + (step * TimeSpan.TicksPerMillisecond), 0, DateTime.MaxValue.Ticks);
                var at = new DateTimeOffset(ticks, TimeSpan.Zero);
                var output = new System.Buffers.ArrayBufferWriter<byte>();
                writer.WriteRecord(output, TestRows.Make(createdAt: at));
                string expected = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + "\r\n";
                Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
            }
        });
}

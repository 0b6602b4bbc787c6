using System.Buffers;
using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Csv;
using VoucherExport.Parameters;

namespace VoucherExport.Tests.Csv;

public class CsvRoundTripProperties
{
    private static readonly ImmutableArray<TransactionField> s_textColumns =
        [TransactionField.Reason, TransactionField.Id, TransactionField.Source, TransactionField.Amount];

    /// <summary>Every dialect the format allows: each generated text is tried in all of them.</summary>
    private static readonly CsvFormat[] s_dialects =
    [
        .. from delimiter in new[] { ',', ';', '\t', '|' }
           from newline in new[] { CsvNewline.CrLf, CsvNewline.Lf }
           select new CsvFormat { Delimiter = delimiter, Newline = newline },
    ];

    [Property(MaxTest = 300)]
    public Property AnyTextRoundTripsThroughSylvan() => Prop.ForAll(
        (from texts in CsvGen.NullableText.ArrayOf()
         from tiny in Gen.Elements(false, true)
         select (texts, tiny)).ToArbitrary(),
        input =>
        {
            var (texts, tiny) = input;
            var rows = texts.Select((t, i) => TestRows.Make(id: "vtx_" + i + t, reason: t, source: t, amount: i - 3)).ToArray();
            foreach (var format in s_dialects)
            {
                var writer = new CsvRecordWriter(format, s_textColumns);
                IBufferWriter<byte> output = tiny ? new TinyBufferWriter() : new ArrayBufferWriter<byte>();
                output.Write(writer.Preamble.Span);
                foreach (var row in rows)
                {
                    writer.WriteRecord(output, row);
                }

                byte[] bytes = tiny ? ((TinyBufferWriter)output).WrittenBytes : ((ArrayBufferWriter<byte>)output).WrittenSpan.ToArray();
                var (header, read) = CsvReading.Read(bytes, format.Delimiter);
                Assert.Equal(s_textColumns.Select(TransactionFields.Label), header);
                Assert.Equal(rows.Length, read.Count);
                for (int r = 0; r < rows.Length; r++)
                {
                    Assert.Equal(s_textColumns.Select(f => TestRows.ExpectedCell(rows[r], f)), read[r]);
                }
            }
        });

    [Property(MaxTest = 200)]
    public Property AnyTextAloneInItsColumnRoundTrips() => Prop.ForAll(
        (from format in CsvGen.Format
         from text in CsvGen.NullableText
         select (format, text)).ToArbitrary(),
        input =>
        {
            var (format, text) = input;
            var writer = new CsvRecordWriter(format, [TransactionField.Reason]);
            var output = new TinyBufferWriter();
            output.Write(writer.Preamble.Span);
            writer.WriteRecord(output, TestRows.Make(reason: text));
            writer.WriteRecord(output, TestRows.Make(reason: "after"));
            var (_, read) = CsvReading.Read(output.WrittenBytes, format.Delimiter);
            Assert.Equal([[text ?? ""], ["after"]], read);
        });

    [Property(MaxTest = 300)]
    public Property RecordsMatchTheReferenceWriterByteForByte() => Prop.ForAll(
        (from format in CsvGen.Format
         from guard in Gen.Elements(false, true)
         from fields in CsvGen.Fields
         from rows in CsvGen.Rows(8)
         select (format: format with { FormulaGuard = guard }, fields, rows)).ToArbitrary(),
        input =>
        {
            var writer = new CsvRecordWriter(input.format, input.fields);
            Assert.Equal(CsvReference.Preamble(input.format, input.fields), writer.Preamble.ToArray());
            foreach (var row in input.rows)
            {
                var tiny = new TinyBufferWriter();
                int length = writer.WriteRecord(tiny, row);
                byte[] expected = CsvReference.Record(input.format, input.fields, row);
                Assert.Equal(expected, tiny.WrittenBytes);
                Assert.Equal(expected.Length, length);
            }
        });

    [Property(MaxTest = 300)]
    public Property AnyDetailsBytesAreOneQuotedCell() => Prop.ForAll(
        (from pieces in Gen.Elements("\"", "a", "{", ":", "0123456789abcdef", "\\\"", "é", ",", "\n").ListOf()
         select string.Concat(pieces)).ToArbitrary(),
        json =>
        {
            var row = TestRows.Make(details: json);
            var tiny = new TinyBufferWriter();
            new CsvRecordWriter(CsvFormat.Default, [TransactionField.Details, TransactionField.Id]).WriteRecord(tiny, row);
            string expected = (json.Length == 0 ? "" : "\"" + json.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"") + ",vtx_1\r\n";
            Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(tiny.WrittenBytes));
        });
}

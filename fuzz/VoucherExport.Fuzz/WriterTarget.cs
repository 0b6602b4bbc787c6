using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Sylvan.Data.Csv;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Fuzz;

/// <summary>
/// The CSV writer against an independent reader: rows made from the input are written in a dialect the input picks, read
/// back with Sylvan, and every cell must equal what was written (guarded text with its <c>'</c>). Any difference is a crash.
/// </summary>
/// <remarks>
/// Input layout: byte 0 picks the dialect (delimiter, newline, BOM, guard), byte 1 the column count (1 to 6); the rest is
/// cut at 0xFF bytes (never part of UTF-8) into cells, decoded as UTF-8 with replacement, and dealt out row by row.
/// </remarks>
public sealed class WriterTarget : IFuzzTarget
{
    private static readonly char[] s_delimiters = [',', ';', '\t', '|'];

    private static readonly TransactionField[] s_columns =
    [
        TransactionField.Reason, TransactionField.Id, TransactionField.Amount, TransactionField.Source,
        TransactionField.Balance, TransactionField.CreatedAt,
    ];

    public string Name => "writer";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
        {
            return;
        }

        byte dialect = input[0];
        var format = new CsvFormat
        {
            Delimiter = s_delimiters[dialect & 3],
            Newline = (dialect & 4) == 0 ? CsvNewline.CrLf : CsvNewline.Lf,
            Bom = (dialect & 8) != 0,
            FormulaGuard = (dialect & 16) != 0,
        };
        int columnCount = 1 + (input[1] % s_columns.Length);
        ImmutableArray<TransactionField> fields = [.. s_columns.AsSpan(0, columnCount)];
        List<string> cells = Cells(input[2..]);
        var rows = new List<VoucherTransaction>();
        for (int i = 0; i < cells.Count; i += columnCount)
        {
            rows.Add(Row(cells, i, fields));
        }

        var writer = new CsvRecordWriter(format, fields);
        var output = new ArrayBufferWriter<byte>();
        output.Write(writer.Preamble.Span);
        foreach (var row in rows)
        {
            writer.WriteRecord(output, row);
        }

        Compare(output.WrittenSpan, format, fields, rows);
    }

    private static List<string> Cells(ReadOnlySpan<byte> data)
    {
        var cells = new List<string>();
        var lenient = new UTF8Encoding(false, throwOnInvalidBytes: false);
        while (true)
        {
            int cut = data.IndexOf((byte)0xFF);
            cells.Add(lenient.GetString(cut < 0 ? data : data[..cut]));
            if (cut < 0)
            {
                return cells;
            }

            data = data[(cut + 1)..];
        }
    }

    private static VoucherTransaction Row(List<string> cells, int start, ImmutableArray<TransactionField> fields)
    {
        string Cell(TransactionField field)
        {
            int i = start + fields.IndexOf(field);
            return i >= start && i < cells.Count ? cells[i] : "";
        }

        // Number and date columns take a value derived from the cell, so their extremes and signs are fuzzed too.
        long Number(TransactionField field)
        {
            string text = Cell(field);
            long value = 0;
            foreach (char c in text)
            {
                value = unchecked((value * 31) + c);
            }

            return text.Length % 3 == 0 ? -value : value;
        }

        return new VoucherTransaction
        {
            Id = Cell(TransactionField.Id),
            Type = "T",
            Reason = Cell(TransactionField.Reason),
            Source = Cell(TransactionField.Source),
            Amount = Number(TransactionField.Amount),
            Balance = Cell(TransactionField.Balance).Length == 0 ? null : Number(TransactionField.Balance),
            CreatedAt = DateTimeOffset.UnixEpoch.AddMilliseconds(Math.Abs(Number(TransactionField.CreatedAt) % 253_402_300_799_000L)),
        };
    }

    private static string Expected(VoucherTransaction row, TransactionField field, bool guard)
    {
        string? text = field switch
        {
            TransactionField.Amount => row.Amount?.ToString(CultureInfo.InvariantCulture),
            TransactionField.Balance => row.Balance?.ToString(CultureInfo.InvariantCulture),
            TransactionField.CreatedAt => row.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            TransactionField.Id => row.Id,
            TransactionField.Reason => row.Reason,
            _ => row.Source,
        };
        text ??= "";
        bool isText = field is TransactionField.Id or TransactionField.Reason or TransactionField.Source;
        return isText && guard && text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\n' ? "'" + text : text;
    }

    private static void Compare(ReadOnlySpan<byte> csv, CsvFormat format, ImmutableArray<TransactionField> fields, List<VoucherTransaction> rows)
    {
        if (format.Bom)
        {
            Check(csv.StartsWith("\uFEFF"u8), "the BOM is missing");
            csv = csv[3..];
        }

        // The writer's output must be valid UTF-8 whatever the text held.
        string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(csv);
        using var reader = CsvDataReader.Create(new StringReader(text), new CsvDataReaderOptions
        {
            Delimiter = format.Delimiter,
            HasHeaders = true,
            MaxBufferSize = 1 << 24,
            // RFC 4180 has no comments; Sylvan's default ('#') would hide records that start with it. Decoded UTF-8 never holds a lone surrogate.
            Comment = '\uDFFF',
        });
        Check(reader.FieldCount == fields.Length, $"the header has {reader.FieldCount} fields, not {fields.Length}");
        for (int i = 0; i < fields.Length; i++)
        {
            Check(reader.GetName(i) == TransactionFields.Label(fields[i]), $"header {i} is '{reader.GetName(i)}'");
        }

        int r = 0;
        while (reader.Read())
        {
            Check(r < rows.Count, $"more records read back than the {rows.Count} written");
            Check(reader.RowFieldCount == fields.Length, $"record {r} has {reader.RowFieldCount} fields, not {fields.Length}");
            for (int i = 0; i < fields.Length; i++)
            {
                string expected = Expected(rows[r], fields[i], format.FormulaGuard);
                string actual = reader.GetString(i);
                Check(actual == expected, $"record {r} column {fields[i]}: wrote '{Escape(expected)}', read back '{Escape(actual)}'");
            }

            r++;
        }

        Check(r == rows.Count, $"{r} records read back, {rows.Count} written");
    }

    private static string Escape(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static void Check(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException("CSV writer round trip: " + problem);
        }
    }
}

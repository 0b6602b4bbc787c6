using System.Text;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Csv;

/// <summary>
/// A deliberately naive writer of SPEC §4 built from strings: the byte-exact reference the fast writer is compared with.
/// </summary>
internal static class CsvReference
{
    public static byte[] Preamble(CsvFormat format, IReadOnlyList<TransactionField> fields)
    {
        var header = string.Join(format.Delimiter, fields.Select(f => Escape(
            format.Header == CsvHeaderStyle.Labels ? TransactionFields.Label(f) : TransactionFields.Name(f), format.Delimiter)));
        byte[] bytes = Encoding.UTF8.GetBytes(header + NewLine(format));
        return format.Bom ? [0xEF, 0xBB, 0xBF, .. bytes] : bytes;
    }

    public static byte[] Record(CsvFormat format, IReadOnlyList<TransactionField> fields, VoucherTransaction row)
    {
        var cells = new List<string>();
        foreach (var field in fields)
        {
            string value = TestRows.ExpectedCell(row, field);
            string cell = TransactionFields.Kind(field) switch
            {
                FieldKind.Text => Escape(Guard(value, format.FormulaGuard), format.Delimiter),
                FieldKind.Json => value.Length == 0 ? "" : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"",
                _ => value,
            };
            cells.Add(cell);
        }

        string line = string.Join(format.Delimiter, cells);
        if (fields.Count == 1 && line.Length == 0)
        {
            line = "\"\"";
        }

        return Encoding.UTF8.GetBytes(line + NewLine(format));
    }

    private static string NewLine(CsvFormat format) => format.Newline == CsvNewline.CrLf ? "\r\n" : "\n";

    private static string Guard(string value, bool guard)
        => guard && value.Length > 0 && "=+-@\t\r\n".Contains(value[0], StringComparison.Ordinal) ? "'" + value : value;

    private static string Escape(string value, char delimiter)
        => value.Contains(delimiter, StringComparison.Ordinal) || value.Contains('"', StringComparison.Ordinal)
            || value.Contains('\r', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal)
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
}

using System.Buffers;
using System.Text.Json;
using VoucherExport.Csv;

namespace VoucherExport.PostgreSql;

/// <summary>The CSV dialect of a stored export as a small JSON object.</summary>
internal static class CsvFormatJson
{
    public static string Write(CsvFormat format)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("delimiter", format.Delimiter.ToString());
            writer.WriteString("newline", format.Newline == CsvNewline.Lf ? "lf" : "crlf");
            writer.WriteBoolean("bom", format.Bom);
            writer.WriteString("header", format.Header == CsvHeaderStyle.Names ? "names" : "labels");
            writer.WriteBoolean("formula_guard", format.FormulaGuard);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static CsvFormat Read(ReadOnlySpan<byte> json)
    {
        using JsonDocument document = JsonDocument.Parse(json.ToArray());
        JsonElement root = document.RootElement;
        string delimiter = root.GetProperty("delimiter").GetString() ?? ",";
        if (delimiter.Length != 1)
        {
            throw new FormatException($"csv.delimiter: expected one character, got '{delimiter}'");
        }

        return new CsvFormat
        {
            Delimiter = delimiter[0],
            Newline = root.GetProperty("newline").GetString() == "lf" ? CsvNewline.Lf : CsvNewline.CrLf,
            Bom = root.GetProperty("bom").GetBoolean(),
            Header = root.GetProperty("header").GetString() == "names" ? CsvHeaderStyle.Names : CsvHeaderStyle.Labels,
            FormulaGuard = root.GetProperty("formula_guard").GetBoolean(),
        }.Validate();
    }
}

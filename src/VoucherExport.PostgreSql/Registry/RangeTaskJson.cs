using System.Globalization;
using System.Text.Json;
using VoucherExport.Registry;

namespace VoucherExport.PostgreSql;

/// <summary>The <c>range_task</c> column: an <see cref="ExportRangeTask"/> as JSON, instants as round-trip text.</summary>
internal static class RangeTaskJson
{
    public static string Write(ExportRangeTask task)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("parent_id", task.ParentId);
            json.WriteNumber("task", task.Range.Task);
            WriteInstant(json, "from", task.Range.From);
            WriteInstant(json, "before", task.Range.Before);
            WriteInstant(json, "started_at", task.StartedAt);
            WriteInstant(json, "as_of", task.AsOf);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static ExportRangeTask Read(byte[] utf8)
    {
        using JsonDocument document = JsonDocument.Parse(utf8);
        JsonElement root = document.RootElement;
        var range = new ExportRange
        {
            Task = root.GetProperty("task").GetInt32(),
            From = ReadInstant(root, "from"),
            Before = ReadInstant(root, "before"),
        };
        return new ExportRangeTask(
            root.GetProperty("parent_id").GetString()!, range, ReadInstant(root, "started_at")!.Value, ReadInstant(root, "as_of"));
    }

    private static void WriteInstant(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is { } at)
        {
            json.WriteString(name, at.ToString("o", CultureInfo.InvariantCulture));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static DateTimeOffset? ReadInstant(JsonElement root, string name) =>
        root.GetProperty(name) is { ValueKind: JsonValueKind.String } value
            ? DateTimeOffset.ParseExact(value.GetString()!, "o", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
            : null;
}

using System.Globalization;
using System.Text.Json;
using VoucherExport.Chunks;
using VoucherExport.Parameters;

namespace VoucherExport.Registry;

/// <summary>
/// Reads back what <see cref="ExportJson.Write"/> wrote (stores keep exports as JSON). Unknown keys are ignored, so
/// an export written by a newer version still reads.
/// </summary>
internal static class ExportJsonReader
{
    public static ExportObject Read(JsonElement root)
    {
        Expect(root, JsonValueKind.Object, "export");
        string id = Text(root, "id", "export")!;
        var export = new ExportObject
        {
            Id = id,
            CreatedAt = Timestamp(Required(root, "created_at", "export"), "export.created_at"),
            Status = ParseStatus(Text(root, "status", "export")!),
            Channel = OptionalText(root, "channel") ?? "API",
            ExportedObject = OptionalText(root, "exported_object") ?? ExportObject.VoucherTransactions,
            Parameters = Parameters(root),
            UserId = OptionalText(root, "user_id"),
        };

        if (root.TryGetProperty("result", out var result) && result.ValueKind != JsonValueKind.Null)
        {
            export = export with { Result = ReadResult(result) };
        }

        if (root.TryGetProperty("progress", out var progress) && progress.ValueKind != JsonValueKind.Null)
        {
            Expect(progress, JsonValueKind.Object, "export.progress");
            export = export with
            {
                Progress = new ExportProgress(
                    Int64(progress, "rows", "export.progress"),
                    Int64(progress, "bytes", "export.progress"),
                    checked((int)Int64(progress, "chunks", "export.progress"))),
            };
        }

        if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            export = export with { Error = ReadError(error, "export.error") };
        }

        return export;
    }

    public static VoucherifyError ReadError(JsonElement error, string path)
    {
        Expect(error, JsonValueKind.Object, path);
        return new VoucherifyError(
            checked((int)Int64(error, "code", path)),
            Text(error, "key", path)!,
            Text(error, "message", path)!,
            OptionalText(error, "details"))
        {
            ResourceId = OptionalText(error, "resource_id"),
            ResourceType = OptionalText(error, "resource_type"),
            RequestId = OptionalText(error, "request_id"),
        };
    }

    private static ExportParameters Parameters(JsonElement root)
    {
        try
        {
            return ExportParametersParser.Parse(Required(root, "parameters", "export"), "export.parameters");
        }
        catch (ExportValidationException ex)
        {
            throw new FormatException($"stored parameters do not validate: {ex.Error.Details}", ex);
        }
    }

    private static ExportStatus ParseStatus(string name)
    {
        try
        {
            return ExportStateMachine.Parse(name);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"export.status: {ex.Message}", ex);
        }
    }

    private static ExportResultInfo ReadResult(JsonElement result)
    {
        const string path = "export.result";
        Expect(result, JsonValueKind.Object, path);
        var chunks = new List<ExportChunk>();
        JsonElement array = Required(result, "chunks", path);
        Expect(array, JsonValueKind.Array, $"{path}.chunks");
        int i = 0;
        foreach (JsonElement chunk in array.EnumerateArray())
        {
            string at = $"{path}.chunks[{i++}]";
            Expect(chunk, JsonValueKind.Object, at);
            var info = new ChunkInfo(
                Text(chunk, "name", at)!,
                Int64(chunk, "rows", at),
                Int64(chunk, "bytes", at),
                Text(chunk, "sha256", at)!,
                OptionalTimestamp(chunk, "first_created_at", at),
                OptionalTimestamp(chunk, "last_created_at", at),
                chunk.TryGetProperty("oversize", out var oversize) && oversize.ValueKind == JsonValueKind.True)
            {
                // Plain chunks repeat their size there; only a compressed chunk has a size of its own to keep.
                UncompressedBytes = ChunkNames.IsGzip(Text(chunk, "name", at)) ? Int64(chunk, "uncompressed_bytes", at) : null,
            };
            chunks.Add(new ExportChunk(info, OptionalText(chunk, "url")));
        }

        return new ExportResultInfo(OptionalText(result, "url"), chunks, Int64(result, "rows", path), Int64(result, "bytes", path))
        {
            SkippedRows = result.TryGetProperty("skipped_rows", out _) ? Int64(result, "skipped_rows", path) : 0,
        };
    }

    private static JsonElement Required(JsonElement parent, string name, string path) =>
        parent.TryGetProperty(name, out var value)
            ? value
            : throw new FormatException($"{path}.{name}: missing");

    private static string? Text(JsonElement parent, string name, string path)
    {
        JsonElement value = Required(parent, name, path);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new FormatException($"{path}.{name}: expected a string");
    }

    private static string? OptionalText(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Int64(JsonElement parent, string name, string path)
    {
        JsonElement value = Required(parent, name, path);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number)
            ? number
            : throw new FormatException($"{path}.{name}: expected an integer");
    }

    private static DateTimeOffset? OptionalTimestamp(JsonElement parent, string name, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? Timestamp(value, $"{path}.{name}")
            : null;

    private static DateTimeOffset Timestamp(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParseExact(value.GetString(), "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset parsed))
        {
            return parsed;
        }

        throw new FormatException($"{path}: expected a UTC timestamp such as 2023-05-16T08:30:21.496Z");
    }

    private static void Expect(JsonElement element, JsonValueKind kind, string path)
    {
        if (element.ValueKind != kind)
        {
            throw new FormatException($"{path}: expected {(kind == JsonValueKind.Object ? "an object" : "an array")}");
        }
    }
}

using System.Buffers;
using System.Globalization;
using System.Text.Json;
using VoucherExport.Chunks;
using VoucherExport.Parameters;

namespace VoucherExport.Registry;

/// <summary>Writes the export object in Voucherify's JSON shape (SPEC §1), keys in Voucherify's order, and reads it back.</summary>
public static class ExportJson
{
    /// <summary>Writes <paramref name="export"/> as one JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, ExportObject export)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(export);
        writer.WriteStartObject();
        writer.WriteString("id", export.Id);
        writer.WriteString("object", ExportObject.ObjectName);
        writer.WriteString("created_at", FormatTimestamp(export.CreatedAt));
        writer.WriteString("status", ExportStateMachine.Name(export.Status));
        writer.WriteString("channel", export.Channel);
        writer.WriteString("exported_object", export.ExportedObject);
        writer.WritePropertyName("parameters");
        ExportParametersJson.Write(writer, export.Parameters);
        writer.WritePropertyName("result");
        if (export.Result is { } result)
        {
            WriteResult(writer, result);
        }
        else
        {
            writer.WriteNullValue();
        }

        if (export.UserId is null)
        {
            writer.WriteNull("user_id");
        }
        else
        {
            writer.WriteString("user_id", export.UserId);
        }

        if (export.Progress is { } progress && export.Status == ExportStatus.InProgress)
        {
            writer.WriteStartObject("progress");
            writer.WriteNumber("rows", progress.Rows);
            writer.WriteNumber("bytes", progress.Bytes);
            writer.WriteNumber("chunks", progress.Chunks);
            writer.WriteString("phase", PhaseName(progress.Phase));
            if (progress.PhaseFraction is { } fraction)
            {
                // How far the phase has come (file bytes read, or rows written after a sort), for a bar and an ETA.
                writer.WriteNumber("percent", Math.Round(100 * fraction, 1));
            }

            if (progress.Phase == ExportPhase.Writing && progress.PhaseUnit == Transactions.ProgressUnit.Rows && progress.PhaseTotal > 0)
            {
                // After a sort the rows to write are known: the console's bar and ETA use them.
                writer.WriteNumber("total_rows", progress.PhaseTotal);
            }
            writer.WriteEndObject();
        }

        if (export.Error is { } error)
        {
            writer.WritePropertyName("error");
            WriteError(writer, error);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// Reads an export object as <see cref="Write"/> writes it (durable stores keep exports this way). Timestamps come
    /// back to the millisecond, as written; throws <see cref="FormatException"/> naming the bad path.
    /// </summary>
    public static ExportObject Read(ReadOnlySpan<byte> utf8Json)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"export: invalid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            return ExportJsonReader.Read(document.RootElement);
        }
    }

    /// <summary>Reads an export object from a parsed JSON element; see <see cref="Read(ReadOnlySpan{byte})"/>.</summary>
    public static ExportObject Read(JsonElement element) => ExportJsonReader.Read(element);

    /// <summary>Reads an error written by <see cref="WriteError"/>.</summary>
    public static VoucherifyError ReadError(JsonElement element) => ExportJsonReader.ReadError(element, "error");

    /// <summary>The export as indented UTF-8 JSON (the manifest's form).</summary>
    public static byte[] ToUtf8(ExportObject export, bool indented = true)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            Write(writer, export);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes an error as <c>{ code, key, message, details, request_id }</c>.</summary>
    public static void WriteError(Utf8JsonWriter writer, VoucherifyError error)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(error);
        writer.WriteStartObject();
        writer.WriteNumber("code", error.Code);
        writer.WriteString("key", error.Key);
        writer.WriteString("message", error.Message);
        writer.WriteString("details", error.Details);
        if (error.ResourceId is not null)
        {
            writer.WriteString("resource_id", error.ResourceId);
        }

        if (error.ResourceType is not null)
        {
            writer.WriteString("resource_type", error.ResourceType);
        }

        if (error.RequestId is not null)
        {
            writer.WriteString("request_id", error.RequestId);
        }

        writer.WriteEndObject();
    }

    /// <summary>An error as UTF-8 JSON.</summary>
    public static byte[] ErrorToUtf8(VoucherifyError error, bool indented = false)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            WriteError(writer, error);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A timestamp as Voucherify writes it: UTC, milliseconds, <c>Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteResult(Utf8JsonWriter writer, ExportResultInfo result)
    {
        writer.WriteStartObject();
        writer.WriteString("url", result.Url);
        writer.WriteStartArray("chunks");
        foreach (var chunk in result.Chunks)
        {
            WriteChunk(writer, chunk.Info, chunk.Url);
        }

        writer.WriteEndArray();
        writer.WriteNumber("rows", result.Rows);
        writer.WriteNumber("bytes", result.Bytes);
        if (result.SkippedRows > 0)
        {
            writer.WriteNumber("skipped_rows", result.SkippedRows);
        }

        writer.WriteEndObject();
    }

    private static void WriteChunk(Utf8JsonWriter writer, ChunkInfo chunk, string? url)
    {
        writer.WriteStartObject();
        writer.WriteString("name", chunk.Name);
        writer.WriteString("url", url);
        writer.WriteNumber("rows", chunk.Rows);
        writer.WriteNumber("bytes", chunk.Bytes);

        // Always present, so a consumer reads one field for the CSV size whether the export is compressed or not.
        writer.WriteNumber("uncompressed_bytes", chunk.CsvBytes);
        writer.WriteString("sha256", chunk.Sha256);
        WriteOptionalTimestamp(writer, "first_created_at", chunk.FirstCreatedAt);
        WriteOptionalTimestamp(writer, "last_created_at", chunk.LastCreatedAt);
        writer.WriteBoolean("oversize", chunk.Oversize);
        writer.WriteEndObject();
    }

    private static void WriteOptionalTimestamp(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            writer.WriteString(name, FormatTimestamp(v));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>The JSON name of <paramref name="phase"/> (<c>reading</c>, <c>sorting</c>, <c>merging</c>, <c>writing</c>).</summary>
    public static string PhaseName(ExportPhase phase) => phase switch
    {
        ExportPhase.Reading => "reading",
        ExportPhase.Sorting => "sorting",
        ExportPhase.Merging => "merging",
        _ => "writing",
    };
}

using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace VoucherExport.Transactions;

/// <summary>Reads and writes vouchers as JSON Lines: <c>{"id","code","campaign_id","campaign","type"}</c> a line.</summary>
/// <remarks>
/// <c>id</c>, <c>code</c> and <c>type</c> are required; <c>campaign_id</c> and <c>campaign</c> (the campaign's name, as in
/// Voucherify's voucher object) may be null or absent; other keys are ignored, so Voucherify's own voucher objects read as they are.
/// </remarks>
public static class VoucherJsonLines
{
    // Voucher files are small; 64 KiB reads and a 1 MiB line cap are generous for four short strings.
    private const int ReadBufferBytes = 64 * 1024;
    private const int MaxLineBytes = 1024 * 1024;

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        // Codes may hold non-ASCII text; keep it readable instead of \u-escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Reads every voucher of the file; a bad line is a <see cref="LedgerFormatException"/>.</summary>
    public static IReadOnlyList<VoucherInfo> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var vouchers = new List<VoucherInfo>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        using var lines = new LineBuffer(path, ReadBufferBytes, MaxLineBytes);
        while (true)
        {
            while (lines.TryReadLine(out ReadOnlySpan<byte> line))
            {
                if (LineBuffer.IsBlank(line))
                {
                    continue;
                }

                try
                {
                    vouchers.Add(Parse(line));
                }
                catch (FormatException ex)
                {
                    throw new LedgerFormatException(path, lines.LineNumber, ex.Message, ex);
                }
            }

            if (lines.IsCompleted)
            {
                return vouchers;
            }

            lines.Advance(stream.Read(lines.GetMemory().Span));
        }
    }

    /// <summary>Writes <paramref name="vouchers"/>, one a line.</summary>
    public static void Write(Stream output, IEnumerable<VoucherInfo> vouchers)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(vouchers);
        var buffer = new ArrayBufferWriter<byte>(ReadBufferBytes);
        using var writer = new Utf8JsonWriter(buffer, s_writerOptions);
        foreach (VoucherInfo voucher in vouchers)
        {
            ArgumentNullException.ThrowIfNull(voucher, nameof(vouchers));
            writer.WriteStartObject();
            writer.WriteString("id"u8, voucher.Id);
            writer.WriteString("code"u8, voucher.Code);
            writer.WriteString("campaign_id"u8, voucher.CampaignId);
            if (voucher.CampaignName is not null)
            {
                writer.WriteString("campaign"u8, voucher.CampaignName);
            }

            writer.WriteString("type"u8, voucher.Type);
            writer.WriteEndObject();
            writer.Flush();
            writer.Reset();
            buffer.Write("\n"u8);
            if (buffer.WrittenCount >= ReadBufferBytes / 2)
            {
                output.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }

        output.Write(buffer.WrittenSpan);
        output.Flush();
    }

    private static VoucherInfo Parse(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            throw new FormatException("invalid UTF-8");
        }

        string? id = null, code = null, campaignId = null, campaign = null, type = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new FormatException("expected a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    id = ReadText(ref reader, "id");
                }
                else if (reader.ValueTextEquals("code"u8))
                {
                    reader.Read();
                    code = ReadText(ref reader, "code");
                }
                else if (reader.ValueTextEquals("campaign_id"u8))
                {
                    reader.Read();
                    campaignId = ReadText(ref reader, "campaign_id");
                }
                else if (reader.ValueTextEquals("campaign"u8))
                {
                    reader.Read();
                    campaign = ReadText(ref reader, "campaign");
                }
                else if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = ReadText(ref reader, "type");
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            reader.Read();
        }
        catch (JsonException ex)
        {
            throw new FormatException($"invalid JSON: {ex.Message}", ex);
        }

        return new VoucherInfo(
            Required(id, "id"), Required(code, "code"), campaignId, Required(type, "type")) { CampaignName = campaign };
    }

    private static string? ReadText(ref Utf8JsonReader reader, string name) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new FormatException($"{name}: expected a string"),
    };

    private static string Required(string? value, string name)
        => string.IsNullOrEmpty(value) ? throw new FormatException($"{name}: missing or empty") : value;
}

using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using VoucherExport.Parameters;

namespace VoucherExport.Server;

/// <summary>
/// Reads the JSON body of a create request within <see cref="RequestLimits"/>: the media type and size before parsing, the
/// nesting depth while parsing, then the number of filter conditions and the length of value lists before the registry
/// validates the parameters.
/// </summary>
internal sealed class CreateRequestReader(RequestLimits limits)
{
    /// <summary>32 levels: a parameters object nests 6 deep at most; deeper JSON is an attack on the parser, not a request.</summary>
    public const int MaxDepth = 32;

    private const string NotText = "is not text: invalid UTF-8, or an escaped unpaired surrogate (\\uD800-\\uDFFF without its pair)";

    private static readonly JsonDocumentOptions s_documentOptions = new()
    {
        // A key given twice is ambiguous (first or last wins?); refuse it instead of guessing.
        AllowDuplicateProperties = false,
        MaxDepth = MaxDepth,
    };

    /// <summary>
    /// The body's bytes (empty when there is none); 415 when it is declared as something other than UTF-8 JSON, 413 when it
    /// is larger than the limit.
    /// </summary>
    public async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckMediaType(request.ContentType);
        int max = limits.MaxBodyBytes;
        if (request.ContentLength is long declared && declared > max)
        {
            throw TooLarge(declared.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var buffer = new ArrayBufferWriter<byte>(Math.Min(max + 1, 4096));
        while (true)
        {
            int read;
            try
            {
                read = await request.Body.ReadAsync(buffer.GetMemory(1), cancellationToken).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                // Kestrel's backstop counts what arrived, which can pass the limit before this loop has read that far.
                throw TooLarge($"more than {max}");
            }

            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > max)
            {
                throw TooLarge($"more than {max}");
            }
        }
    }

    /// <summary>The body as JSON (null when empty); 400 for text that is not JSON.</summary>
    public static JsonDocument? Parse(byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, s_documentOptions);
        }
        catch (JsonException e)
        {
            if (Depth(body) > MaxDepth)
            {
                throw ApiException.InvalidPayload("body", $"nests objects and arrays deeper than {MaxDepth} levels, the most the server reads");
            }

            throw ApiException.InvalidPayload("body", $"is not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException)
        {
            // The duplicate-key check decodes every key while parsing; a key that is no text throws there.
            throw ApiException.InvalidPayload("body (a key)", NotText);
        }

        if (FirstUndecodable(document.RootElement, "body") is { } where)
        {
            document.Dispose();
            throw ApiException.InvalidPayload(where, NotText);
        }

        return document;
    }

    /// <summary>
    /// The path of the first string or key that cannot be read as text, or null. JSON syntax allows an escaped lone
    /// surrogate (<c>"\uDC00"</c>) and the parser does not decode strings; reading one throws, so it is refused here,
    /// where a 400 can name it, instead of as a 500 deep in a handler.
    /// </summary>
    private static string? FirstUndecodable(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return Decodes(element.GetString) ? null : path;
            case JsonValueKind.Array:
                int i = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (FirstUndecodable(item, $"{path}[{i++}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    string name = "";
                    if (!Decodes(() => name = property.Name))
                    {
                        return $"{path} (a key)";
                    }

                    if (FirstUndecodable(property.Value, $"{path}.{name}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static bool Decodes(Func<string?> read)
    {
        try
        {
            read();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Refuses a body declared as form data, XML, or JSON in another charset (415). No Content-Type, JSON, <c>*/*+json</c> and
    /// <c>text/plain</c> (what many HTTP clients send for a string body) are read as UTF-8 JSON.
    /// </summary>
    private static void CheckMediaType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return;
        }

        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType.Value is not { } type)
        {
            throw UnsupportedMediaType(contentType, "is not a media type");
        }

        bool json = type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            || type.Equals("text/plain", StringComparison.OrdinalIgnoreCase);
        if (!json)
        {
            throw UnsupportedMediaType(contentType, "is not JSON; send Content-Type: application/json");
        }

        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            && !media.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            throw UnsupportedMediaType(contentType, "names a charset other than UTF-8, the only one the server reads");
        }
    }

    private static ApiException UnsupportedMediaType(string contentType, string problem)
    {
        // The header is echoed inside a JSON string only (escaped there), and cut short so a huge header cannot bloat the answer.
        string shown = contentType.Length <= 100 ? contentType : string.Concat(contentType.AsSpan(0, 100), "…");
        return new(new VoucherifyError(415, "unsupported_media_type", "Unsupported media type", $"Content-Type: '{shown}' {problem}"));
    }

    /// <summary>The deepest nesting of objects and arrays, strings skipped (only asked once parsing has failed).</summary>
    private static int Depth(ReadOnlySpan<byte> json)
    {
        int depth = 0, deepest = 0;
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            byte b = json[i];
            if (inString)
            {
                if (b == '\\')
                {
                    i++;
                }
                else if (b == '"')
                {
                    inString = false;
                }
            }
            else if (b == '"')
            {
                inString = true;
            }
            else if (b is (byte)'{' or (byte)'[')
            {
                deepest = Math.Max(deepest, ++depth);
            }
            else if (b is (byte)'}' or (byte)']')
            {
                depth--;
            }
        }

        return deepest;
    }

    /// <summary>
    /// The <c>parameters</c> of a per-voucher, per-campaign or per-member body (<c>{ "parameters": {…} }</c>), within the limits;
    /// null when there is no body or no parameters.
    /// </summary>
    public JsonElement? ScopedParameters(JsonDocument? body)
    {
        if (body is null)
        {
            return null;
        }

        JsonElement root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.InvalidPayload("body", "must be a JSON object such as {\"parameters\": {…}}");
        }

        JsonElement? parameters = null;
        foreach (var property in root.EnumerateObject())
        {
            if (!property.NameEquals("parameters"))
            {
                throw ApiException.InvalidPayload(property.Name, "is not a known property; the body takes only 'parameters'");
            }

            parameters = property.Value;
        }

        if (parameters is { } p)
        {
            CheckFilterLimits(p, "parameters");
        }

        return parameters;
    }

    /// <summary>The body of <c>POST /v1/exports</c> (an object), within the limits.</summary>
    public JsonElement GenericBody(JsonDocument? body)
    {
        if (body is null)
        {
            throw ApiException.InvalidPayload("body", "is empty; send {\"exported_object\": \"voucher_transactions\", \"parameters\": {…}}");
        }

        JsonElement root = body.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("parameters", out var parameters))
        {
            CheckFilterLimits(parameters, "parameters");
        }

        return root;
    }

    /// <summary>Counts what the filter asks for before the registry compiles it; 400 naming the first limit exceeded.</summary>
    private void CheckFilterLimits(JsonElement parameters, string path)
    {
        // Shapes that are wrong are left for the parameters validator, which names them precisely.
        if (parameters.ValueKind != JsonValueKind.Object
            || !parameters.TryGetProperty("filters", out var filters)
            || filters.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        int conditions = 0;
        foreach (var field in filters.EnumerateObject())
        {
            if (field.Value.ValueKind != JsonValueKind.Object
                || !field.Value.TryGetProperty("conditions", out var operators)
                || operators.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var condition in operators.EnumerateObject())
            {
                conditions++;
                if (condition.Value.ValueKind == JsonValueKind.Array && condition.Value.GetArrayLength() > limits.MaxInValues)
                {
                    throw ApiException.InvalidPayload(
                        $"{path}.filters.{field.Name}.conditions.{condition.Name}",
                        $"has {condition.Value.GetArrayLength()} values; a list may hold at most {limits.MaxInValues} (server limit Limits:MaxInValues)");
                }
            }
        }

        if (conditions > limits.MaxFilterConditions)
        {
            throw ApiException.InvalidPayload(
                $"{path}.filters",
                $"has {conditions} conditions; at most {limits.MaxFilterConditions} are allowed (server limit Limits:MaxFilterConditions)");
        }
    }

    private ApiException TooLarge(string size) => new(new VoucherifyError(413, "payload_too_large", "Payload too large",
        $"body: is {size} bytes; the server accepts at most {limits.MaxBodyBytes} bytes (server limit Limits:MaxBodyBytes)"));
}

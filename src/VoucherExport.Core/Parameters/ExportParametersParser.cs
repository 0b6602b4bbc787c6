using System.Collections.Immutable;
using System.Text.Json;

namespace VoucherExport.Parameters;

/// <summary>Parses and validates the <c>parameters</c> of a voucher-transactions export (SPEC §2).</summary>
/// <remarks>
/// JSON null counts as omitted for <c>order</c>, <c>fields</c>, <c>filters</c> and <c>filters.junction</c>.
/// A <c>filters</c> object with no field (<c>{}</c>, or only a junction) is kept as a <see cref="FilterSet"/> with
/// no clauses, which matches every transaction, so that the stored parameters echo what the caller sent.
/// A property named twice, at any depth, is an error rather than last-one-wins.
/// </remarks>
public static class ExportParametersParser
{
    private const string OrderProperty = "order";
    private const string FieldsProperty = "fields";
    private const string FiltersProperty = "filters";
    private const string WrapperProperty = "parameters";

    private const string UnpairedSurrogate = "holds a string that escapes an unpaired surrogate (\\uD800-\\uDFFF without its pair)";

    /// <summary>
    /// Validates a <c>parameters</c> object. A missing or null element gives the defaults.
    /// Throws <see cref="ExportValidationException"/> naming the offending path (rooted at <paramref name="path"/>).
    /// </summary>
    public static ExportParameters Parse(JsonElement? parameters, string path = "parameters")
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return ParseElement(parameters, path);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is System.Text.DecoderFallbackException)
        {
            // A document parsed elsewhere (e.g. a request body) may hold invalid UTF-8 inside a string.
            ParametersThrow.InvalidPayload(path, "holds text that is not valid UTF-8");
            return null!;
        }
        catch (InvalidOperationException ex) when (ex.TargetSite?.DeclaringType?.Namespace == "System.Text.Json")
        {
            // Valid JSON syntax that is no text: an escaped unpaired surrogate such as \uDC00 (found by fuzzing with the escape).
            ParametersThrow.InvalidPayload(path, UnpairedSurrogate);
            return null!;
        }
    }

    private static ExportParameters ParseElement(JsonElement? parameters, string path)
    {
        if (parameters is not { } element || element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return ExportParameters.Default;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            ParametersThrow.InvalidPayload(path, $"must be an object, not {ParametersThrow.Describe(element)}");
        }

        var order = ExportOrder.CreatedAtDescending;
        var fields = TransactionFields.Default;
        FilterSet? filters = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            string propertyPath = JsonPaths.Property(path, property.Name);
            if (!seen.Add(property.Name))
            {
                ParametersThrow.Duplicate(propertyPath);
            }

            switch (property.Name)
            {
                case OrderProperty:
                    order = ParseOrder(property.Value, propertyPath);
                    break;
                case FieldsProperty:
                    fields = ParseFields(property.Value, propertyPath);
                    break;
                case FiltersProperty:
                    filters = FilterParser.Parse(property.Value, propertyPath);
                    break;
                default:
                    ParametersThrow.InvalidPayload(propertyPath, "is not a known parameter; allowed: order, fields, filters");
                    break;
            }
        }

        return new ExportParameters(order, fields, filters);
    }

    /// <summary>Validates a <c>parameters</c> object given as UTF-8 JSON text.</summary>
    /// <remarks>
    /// A whole request body works too: an object whose only property is <c>parameters</c> is unwrapped.
    /// Text that is not JSON is an <c>invalid_payload</c> giving the line and byte where reading stopped.
    /// </remarks>
    public static ExportParameters Parse(ReadOnlySpan<byte> utf8Json, string path = "parameters")
    {
        ArgumentNullException.ThrowIfNull(path);
        using var document = ReadDocument(utf8Json, path);
        var root = document.RootElement;
        bool wrapped;
        try
        {
            wrapped = TryUnwrap(root, out var inner);
            root = wrapped ? inner : root;
        }
        catch (InvalidOperationException ex) when (ex.TargetSite?.DeclaringType?.Namespace == "System.Text.Json")
        {
            // Comparing a key that escapes an unpaired surrogate throws; the same answer as for such a value.
            ParametersThrow.InvalidPayload(path, UnpairedSurrogate);
            return null!;
        }

        return Parse(root, path);
    }

    private static JsonDocument ReadDocument(ReadOnlySpan<byte> utf8Json, string path)
    {
        if (System.Text.Unicode.Utf8.ToUtf16(utf8Json, new char[utf8Json.Length], out int valid, out _, replaceInvalidSequences: false)
            != System.Buffers.OperationStatus.Done)
        {
            ParametersThrow.InvalidPayload(path, $"is not valid UTF-8 (byte {valid})");
        }

        try
        {
            // JsonDocument cannot read from a span; parameters are small, so one copy is cheap.
            return JsonDocument.Parse(utf8Json.ToArray());
        }
        catch (JsonException ex)
        {
            long line = (ex.LineNumber ?? 0) + 1;
            long position = ex.BytePositionInLine ?? 0;
            ParametersThrow.InvalidPayload(path, $"is not valid JSON (line {line}, byte {position} of the line)");
            return null!;
        }
    }

    private static bool TryUnwrap(JsonElement root, out JsonElement inner)
    {
        inner = default;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        int count = 0;
        foreach (var property in root.EnumerateObject())
        {
            if (++count > 1 || !property.NameEquals(WrapperProperty))
            {
                return false;
            }

            inner = property.Value;
        }

        return count == 1;
    }

    private static ExportOrder ParseOrder(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return ExportOrder.CreatedAtDescending;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            if (value.ValueEquals(ExportParametersJson.DescendingOrder))
            {
                return ExportOrder.CreatedAtDescending;
            }

            if (value.ValueEquals(ExportParametersJson.AscendingOrder))
            {
                return ExportOrder.CreatedAtAscending;
            }
        }

        ParametersThrow.InvalidPayload(path, "must be \"created_at\" or \"-created_at\"");
        return default;
    }

    private static ImmutableArray<TransactionField> ParseFields(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return TransactionFields.Default;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            ParametersThrow.InvalidFields(path, $"must be an array of field names, not {ParametersThrow.Describe(value)}");
        }

        int count = value.GetArrayLength();
        if (count == 0)
        {
            ParametersThrow.InvalidFields(path, "must name at least one field");
        }

        var fields = ImmutableArray.CreateBuilder<TransactionField>(count);
        var seen = new bool[TransactionFields.All.Length];
        int index = 0;
        foreach (var item in value.EnumerateArray())
        {
            string itemPath = JsonPaths.Index(path, index++);
            if (item.ValueKind != JsonValueKind.String)
            {
                ParametersThrow.InvalidFields(itemPath, $"must be a field name, not {ParametersThrow.Describe(item)}");
            }

            string name = item.GetString()!;
            if (!TransactionFields.TryParse(name, out var field))
            {
                ParametersThrow.InvalidFields(itemPath, $"{ParametersThrow.Quote(name)} is not a known field");
            }

            if (seen[(int)field])
            {
                ParametersThrow.InvalidFields(itemPath, $"{ParametersThrow.Quote(name)} is listed twice");
            }

            seen[(int)field] = true;
            fields.Add(field);
        }

        return fields.MoveToImmutable();
    }
}

using System.Text.Json;

namespace VoucherExport.Parameters;

/// <summary>Writes stored <see cref="ExportParameters"/> back as JSON, the way the export object echoes them.</summary>
/// <remarks>
/// The output is what <see cref="ExportParametersParser"/> reads back to equal parameters (no filters read back as
/// filters that match everything): <c>filters</c> and its junction are always written, operands always as arrays, <c>$has_value</c> / <c>$is_unknown</c> as <c>true</c>, numbers and day
/// counts as JSON numbers, instants as <c>2023-05-16T08:30:21.496Z</c> (seven digits only when finer than 1 ms).
/// </remarks>
public static class ExportParametersJson
{
    internal const string AscendingOrder = "created_at";
    internal const string DescendingOrder = "-created_at";

    private static readonly JsonEncodedText s_order = JsonEncodedText.Encode("order");
    private static readonly JsonEncodedText s_fields = JsonEncodedText.Encode("fields");
    private static readonly JsonEncodedText s_filters = JsonEncodedText.Encode("filters");
    private static readonly JsonEncodedText s_junction = JsonEncodedText.Encode("junction");
    private static readonly JsonEncodedText s_conditions = JsonEncodedText.Encode("conditions");
    private static readonly FilterSet s_noFilters = new(FilterJunction.And, []);

    /// <summary>Writes <paramref name="parameters"/> as a JSON object.</summary>
    /// <exception cref="ArgumentException">
    /// The parameters cannot be written so that they read back the same: no fields, a field filtered twice, a clause
    /// without conditions, an operator repeated in a clause, or an operator or operands that do not fit the field.
    /// </exception>
    public static void Write(Utf8JsonWriter writer, ExportParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Fields.IsDefault)
        {
            throw new ArgumentException("The fields of the parameters are not initialized.", nameof(parameters));
        }

        writer.WriteStartObject();
        writer.WriteString(s_order, parameters.Order == ExportOrder.CreatedAtAscending ? AscendingOrder : DescendingOrder);
        writer.WriteStartArray(s_fields);
        foreach (var field in parameters.Fields)
        {
            writer.WriteStringValue(TransactionFields.Name(field));
        }

        writer.WriteEndArray();
        // Voucherify echoes "filters": {"junction": "and"} for an export asked for without filters (exports.json examples).
        writer.WritePropertyName(s_filters);
        WriteFilters(writer, parameters.Filters ?? s_noFilters);

        writer.WriteEndObject();
    }

    private static void WriteFilters(Utf8JsonWriter writer, FilterSet filters)
    {
        writer.WriteStartObject();
        writer.WriteString(s_junction, filters.Junction == FilterJunction.Or ? "or" : "and");
        var written = new bool[TransactionFields.All.Length];
        foreach (var clause in filters.Clauses.IsDefault ? [] : filters.Clauses)
        {
            string name = TransactionFields.Name(clause.Field);
            if (written[(int)clause.Field])
            {
                // Two clauses of one field cannot be one JSON object without changing what an "or" means.
                throw new ArgumentException($"The filters name field {name} twice.", nameof(filters));
            }

            if (clause.Conditions.IsDefaultOrEmpty)
            {
                throw new ArgumentException($"The filter of {name} has no condition.", nameof(filters));
            }

            written[(int)clause.Field] = true;
            writer.WriteStartObject(name);
            writer.WriteStartObject(s_conditions);
            WriteConditions(writer, clause);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteConditions(Utf8JsonWriter writer, FieldFilter clause)
    {
        var kind = TransactionFields.Kind(clause.Field);
        var written = new bool[Enum.GetValues<FilterOperator>().Length];
        foreach (var condition in clause.Conditions)
        {
            FilterShape.Check(clause.Field, condition);
            if (written[(int)condition.Operator])
            {
                throw new ArgumentException(
                    $"The filter of {TransactionFields.Name(clause.Field)} repeats {FilterOperators.Name(condition.Operator)}.",
                    nameof(clause));
            }

            written[(int)condition.Operator] = true;
            writer.WritePropertyName(FilterOperators.Name(condition.Operator));
            var operand = FilterOperators.Operand(kind, condition.Operator);
            if (operand == FilterOperand.None)
            {
                writer.WriteBooleanValue(true);
                continue;
            }

            writer.WriteStartArray();
            foreach (var value in condition.Values)
            {
                switch (operand)
                {
                    case FilterOperand.Text:
                        writer.WriteStringValue(value.Text);
                        break;
                    case FilterOperand.Instant:
                        writer.WriteStringValue(IsoInstant.Format(value.Date));
                        break;
                    default:
                        writer.WriteNumberValue(value.Number);
                        break;
                }
            }

            writer.WriteEndArray();
        }
    }
}

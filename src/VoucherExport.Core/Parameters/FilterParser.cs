using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace VoucherExport.Parameters;

/// <summary>Parses the <c>filters</c> object of export parameters (SPEC §2.3) into a <see cref="FilterSet"/>.</summary>
internal static class FilterParser
{
    private const string JunctionProperty = "junction";
    private const string ConditionsProperty = "conditions";

    private static readonly string s_filterableList = string.Join(
        ", ",
        TransactionFields.All.Where(TransactionFields.IsFilterable).Select(TransactionFields.Name));

    /// <summary>Parses <paramref name="filters"/>; JSON null gives null (no filters).</summary>
    public static FilterSet? Parse(JsonElement filters, string path)
    {
        if (filters.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (filters.ValueKind != JsonValueKind.Object)
        {
            ParametersThrow.InvalidPayload(path, $"must be an object, not {ParametersThrow.Describe(filters)}");
        }

        var junction = FilterJunction.And;
        var clauses = ImmutableArray.CreateBuilder<FieldFilter>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in filters.EnumerateObject())
        {
            string propertyPath = JsonPaths.Property(path, property.Name);
            if (!seen.Add(property.Name))
            {
                ParametersThrow.Duplicate(propertyPath);
            }

            if (property.NameEquals(JunctionProperty))
            {
                junction = ParseJunction(property.Value, propertyPath);
                continue;
            }

            if (!TransactionFields.TryParse(property.Name, out var field))
            {
                ParametersThrow.InvalidPayload(propertyPath, $"is not a known field; filterable fields: {s_filterableList}");
            }

            var kind = TransactionFields.Kind(field);
            if (!TransactionFields.IsFilterable(field))
            {
                ParametersThrow.InvalidPayload(propertyPath, $"is not filterable; filterable fields: {s_filterableList}");
            }

            clauses.Add(ParseClause(field, kind, property.Value, propertyPath));
        }

        return new FilterSet(junction, clauses.ToImmutable());
    }

    private static FilterJunction ParseJunction(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return FilterJunction.And;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            string? text = value.GetString();
            if (string.Equals(text, "and", StringComparison.OrdinalIgnoreCase))
            {
                return FilterJunction.And;
            }

            if (string.Equals(text, "or", StringComparison.OrdinalIgnoreCase))
            {
                return FilterJunction.Or;
            }
        }

        ParametersThrow.InvalidPayload(path, "must be \"and\" or \"or\"");
        return default;
    }

    private static FieldFilter ParseClause(TransactionField field, FieldKind kind, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            ParametersThrow.InvalidPayload(
                path, $"must be an object holding a \"conditions\" object, not {ParametersThrow.Describe(value)}");
        }

        JsonElement? conditions = null;
        foreach (var property in value.EnumerateObject())
        {
            string propertyPath = JsonPaths.Property(path, property.Name);
            if (!property.NameEquals(ConditionsProperty))
            {
                ParametersThrow.InvalidPayload(propertyPath, "is not allowed; a field filter holds only \"conditions\"");
            }

            if (conditions is not null)
            {
                ParametersThrow.Duplicate(propertyPath);
            }

            conditions = property.Value;
        }

        string conditionsPath = JsonPaths.Property(path, ConditionsProperty);
        if (conditions is not { } element)
        {
            ParametersThrow.InvalidPayload(conditionsPath, "is required");
            return default!;
        }

        return new FieldFilter(field, ParseConditions(field, kind, element, conditionsPath));
    }

    private static ImmutableArray<FilterCondition> ParseConditions(
        TransactionField field, FieldKind kind, JsonElement conditions, string path)
    {
        if (conditions.ValueKind != JsonValueKind.Object)
        {
            ParametersThrow.InvalidPayload(
                path, $"must be an object of operators, not {ParametersThrow.Describe(conditions)}");
        }

        var result = ImmutableArray.CreateBuilder<FilterCondition>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in conditions.EnumerateObject())
        {
            string operatorPath = JsonPaths.Property(path, property.Name);
            if (!seen.Add(property.Name))
            {
                ParametersThrow.Duplicate(operatorPath);
            }

            if (!FilterOperators.TryParse(property.Name, out var op))
            {
                ParametersThrow.InvalidPayload(
                    operatorPath,
                    $"is not a known operator; {TransactionFields.Name(field)} allows {FilterOperators.AllowedList(kind)}");
            }

            if (!FilterOperators.IsAllowed(kind, op))
            {
                ParametersThrow.InvalidPayload(
                    operatorPath,
                    $"does not apply to {KindName(kind)} field {TransactionFields.Name(field)}, " +
                    $"which allows {FilterOperators.AllowedList(kind)}");
            }

            result.Add(new FilterCondition(op, ParseOperands(kind, op, property.Value, operatorPath)));
        }

        if (result.Count == 0)
        {
            // An empty clause would match every row, which under "or" silently voids the whole filter.
            ParametersThrow.InvalidPayload(
                path, $"must hold at least one operator; {TransactionFields.Name(field)} allows {FilterOperators.AllowedList(kind)}");
        }

        return result.ToImmutable();
    }

    private static ImmutableArray<FilterValue> ParseOperands(FieldKind kind, FilterOperator op, JsonElement value, string path)
    {
        var operand = FilterOperators.Operand(kind, op);
        if (operand == FilterOperand.None)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return [ParseOperand(operand, value, path)];
        }

        int count = value.GetArrayLength();
        if (FilterOperators.TakesList(op))
        {
            if (count == 0)
            {
                ParametersThrow.InvalidPayload(path, "must list at least one value");
            }
        }
        else if (count != 1)
        {
            ParametersThrow.InvalidPayload(path, $"takes exactly one value, not {count}");
        }

        var values = ImmutableArray.CreateBuilder<FilterValue>(count);
        int index = 0;
        foreach (var item in value.EnumerateArray())
        {
            values.Add(ParseOperand(operand, item, JsonPaths.Index(path, index++)));
        }

        return values.MoveToImmutable();
    }

    private static FilterValue ParseOperand(FilterOperand operand, JsonElement value, string path)
    {
        switch (operand)
        {
            case FilterOperand.Text:
                if (value.ValueKind != JsonValueKind.String)
                {
                    ParametersThrow.InvalidPayload(path, $"must be a string, not {ParametersThrow.Describe(value)}");
                }

                return FilterValue.OfText(value.GetString()!);

            case FilterOperand.Integer:
                if (!TryGetInteger(value, out long number))
                {
                    ParametersThrow.InvalidPayload(
                        path, $"must be a whole number (a JSON number or a numeric string), not {Show(value)}");
                }

                return FilterValue.OfNumber(number);

            case FilterOperand.DayCount:
                if (!TryGetInteger(value, out long days) || days < 0 || days > FilterOperators.MaxDays)
                {
                    ParametersThrow.InvalidPayload(
                        path, $"must be a whole number of days from 0 to {FilterOperators.MaxDays}, not {Show(value)}");
                }

                return FilterValue.OfNumber(days);

            default:
                if (value.ValueKind != JsonValueKind.String || !IsoInstant.TryParse(value.GetString()!, out var instant))
                {
                    ParametersThrow.InvalidPayload(
                        path, $"must be an ISO 8601 date-time string such as 2023-05-16T08:30:21.496Z, not {Show(value)}");
                    return default;
                }

                return FilterValue.OfDate(instant);
        }
    }

    private static bool TryGetInteger(JsonElement value, out long number)
    {
        number = 0;
        return value.ValueKind switch
        {
            // TryGetInt64 refuses fractions, exponents and out-of-range values, which is what we want.
            JsonValueKind.Number => value.TryGetInt64(out number),
            JsonValueKind.String => long.TryParse(
                value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number),
            _ => false,
        };
    }

    private static string Show(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => ParametersThrow.Quote(value.GetString()),
        JsonValueKind.Number => ParametersThrow.Clip(value.GetRawText()),
        _ => ParametersThrow.Describe(value),
    };

    private static string KindName(FieldKind kind) => kind switch
    {
        FieldKind.Date => "date",
        FieldKind.Number => "number",
        _ => "text",
    };
}

using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Parameters;

/// <summary>
/// The filter semantics of SPEC §2.3 written as plainly as possible, to check the compiled predicates against.
/// It interprets the <see cref="FilterSet"/> per row and uses DateTimeOffset arithmetic, not ticks.
/// </summary>
internal static class ReferenceFilter
{
    public static bool Matches(FilterSet? filters, VoucherTransaction t, DateTimeOffset now)
    {
        if (filters is null || filters.Clauses.Length == 0)
        {
            return true;
        }

        bool and = filters.Junction == FilterJunction.And;
        bool result = and;
        foreach (var clause in filters.Clauses)
        {
            bool clauseMatches = true;
            foreach (var condition in clause.Conditions)
            {
                clauseMatches = clauseMatches && Holds(clause.Field, condition, t, now);
            }

            result = and ? result && clauseMatches : result || clauseMatches;
        }

        return result;
    }

    private static bool Holds(TransactionField field, FilterCondition c, VoucherTransaction t, DateTimeOffset now)
    {
        switch (field)
        {
            case TransactionField.Amount:
                return HoldsForNumber(c, t.Amount);
            case TransactionField.Balance:
                return HoldsForNumber(c, t.Balance);
            case TransactionField.CreatedAt:
                return HoldsForDate(c, t.CreatedAt, now);
            default:
                string? text = field switch
                {
                    TransactionField.Id => t.Id,
                    TransactionField.Type => t.Type,
                    TransactionField.SourceId => t.SourceId,
                    TransactionField.Reason => t.Reason,
                    TransactionField.VoucherId => t.VoucherId,
                    TransactionField.CampaignId => t.CampaignId,
                    TransactionField.RelatedTransactionId => t.RelatedTransactionId,
                    TransactionField.Source => t.Source,
                    _ => throw new InvalidOperationException(field.ToString()),
                };
                return HoldsForText(c, text);
        }
    }

    private static bool HoldsForText(FilterCondition c, string? v)
    {
        var texts = c.Values.Select(x => x.Text!).ToList();
        switch (c.Operator)
        {
            case FilterOperator.Is: return v != null && v == texts[0];
            case FilterOperator.IsNot: return v == null || v != texts[0];
            case FilterOperator.In: return v != null && texts.Contains(v);
            case FilterOperator.NotIn: return v == null || !texts.Contains(v);
            case FilterOperator.Contains: return v != null && v.Contains(texts[0], StringComparison.Ordinal);
            case FilterOperator.NotContain: return v == null || !v.Contains(texts[0], StringComparison.Ordinal);
            case FilterOperator.StartsWith: return v != null && v.StartsWith(texts[0], StringComparison.Ordinal);
            case FilterOperator.EndsWith: return v != null && v.EndsWith(texts[0], StringComparison.Ordinal);
            case FilterOperator.HasValue: return v != null;
            case FilterOperator.IsUnknown: return v == null;
            default: throw new InvalidOperationException(c.Operator.ToString());
        }
    }

    private static bool HoldsForNumber(FilterCondition c, long? v)
    {
        var numbers = c.Values.Select(x => x.Number).ToList();
        switch (c.Operator)
        {
            case FilterOperator.Is: return v.HasValue && v.Value == numbers[0];
            case FilterOperator.IsNot: return !v.HasValue || v.Value != numbers[0];
            case FilterOperator.In: return v.HasValue && numbers.Contains(v.Value);
            case FilterOperator.NotIn: return !v.HasValue || !numbers.Contains(v.Value);
            case FilterOperator.MoreThan: return v.HasValue && v.Value > numbers[0];
            case FilterOperator.LessThan: return v.HasValue && v.Value < numbers[0];
            case FilterOperator.MoreThanEqual: return v.HasValue && v.Value >= numbers[0];
            case FilterOperator.LessThanEqual: return v.HasValue && v.Value <= numbers[0];
            case FilterOperator.HasValue: return v.HasValue;
            case FilterOperator.IsUnknown: return !v.HasValue;
            default: throw new InvalidOperationException(c.Operator.ToString());
        }
    }

    private static bool HoldsForDate(FilterCondition c, DateTimeOffset v, DateTimeOffset now)
    {
        if (c.Operator == FilterOperator.HasValue)
        {
            return true;
        }

        if (c.Operator == FilterOperator.IsUnknown)
        {
            return false;
        }

        var operand = c.Values[0];
        int days = (int)operand.Number;
        switch (c.Operator)
        {
            case FilterOperator.After: return v > operand.Date;
            case FilterOperator.Before: return v < operand.Date;
            case FilterOperator.MoreThanEqual: return v >= operand.Date;
            case FilterOperator.LessThanEqual: return v <= operand.Date;
            case FilterOperator.MoreThan:
            case FilterOperator.MoreThanAgo:
                return v < now.AddDays(-days);
            case FilterOperator.LessThan:
            case FilterOperator.LessThanAgo:
                return now.AddDays(-days) < v && v <= now;
            case FilterOperator.MoreThanFuture: return v > now.AddDays(days);
            case FilterOperator.LessThanFuture: return now <= v && v < now.AddDays(days);
            case FilterOperator.IsDaysAgo: return v.UtcDateTime.Date == now.AddDays(-days).UtcDateTime.Date;
            case FilterOperator.IsDaysInFuture: return v.UtcDateTime.Date == now.AddDays(days).UtcDateTime.Date;
            default: throw new InvalidOperationException(c.Operator.ToString());
        }
    }
}

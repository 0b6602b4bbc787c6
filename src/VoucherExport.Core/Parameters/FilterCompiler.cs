using System.Collections.Immutable;
using VoucherExport.Parameters.Predicates;
using VoucherExport.Transactions;

namespace VoucherExport.Parameters;

/// <summary>Turns validated filters into a <see cref="TransactionPredicate"/>.</summary>
/// <remarks>
/// <para>
/// Clauses combine by the junction; the conditions of one clause are ANDed; a filter set with no clause matches
/// everything. Text compares ordinally. Null: <c>$is_not</c>, <c>$not_in</c> and <c>$not_contain</c> match a null
/// value; <c>$is</c>, <c>$in</c>, <c>$contains</c>, <c>$starts_with</c>, <c>$ends_with</c> and every numeric or
/// date comparison do not; an empty string is a value. <c>$has_value</c> is "not null", <c>$is_unknown</c> "null"
/// (<c>created_at</c> is never null).
/// </para>
/// <para>
/// Relative dates use one clock reading <c>now</c>, in UTC, and D = N days (N the operand):
/// <c>$more_than</c> and <c>$more_than_ago</c>: created_at &lt; now − D;
/// <c>$less_than</c> and <c>$less_than_ago</c>: now − D &lt; created_at ≤ now;
/// <c>$more_than_future</c>: created_at &gt; now + D;
/// <c>$less_than_future</c>: now ≤ created_at &lt; now + D;
/// <c>$is_days_ago</c>: the UTC calendar date of created_at is that of now − D;
/// <c>$is_days_in_future</c>: the UTC calendar date of created_at is that of now + D.
/// <c>$after</c> / <c>$before</c> are strict, <c>$more_than_equal</c> / <c>$less_than_equal</c> inclusive.
/// </para>
/// </remarks>
public static class FilterCompiler
{
    // Bounds of the created_at ranges; relative bounds may fall outside the calendar, which then matches nothing.

    /// <summary>
    /// Compiles <paramref name="filters"/> (null: match everything); relative date operators use <paramref name="now"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A condition does not fit its field (possible only for filters built in code).</exception>
    public static TransactionPredicate Compile(FilterSet? filters, DateTimeOffset now)
    {
        if (filters is null || filters.Clauses.IsDefaultOrEmpty)
        {
            return MatchAll.Instance;
        }

        long nowTicks = now.UtcTicks;
        var clauses = new List<TransactionPredicate>(filters.Clauses.Length);
        foreach (var clause in filters.Clauses)
        {
            clauses.Add(CompileClause(clause, nowTicks));
        }

        return filters.Junction == FilterJunction.Or ? AnyOf.Create(clauses) : AllOf.Create(clauses);
    }

    /// <summary>
    /// Replaces voucher codes in <c>voucher_id</c> operands by the ids they resolve to in <paramref name="vouchers"/>;
    /// values that resolve to nothing are kept as they are.
    /// </summary>
    /// <remarks>
    /// Only the operands of <c>$in</c>, <c>$not_in</c>, <c>$is</c> and <c>$is_not</c> name vouchers; the operand of
    /// <c>$contains</c>, <c>$starts_with</c> or <c>$ends_with</c> is a piece of an id and is left alone.
    /// Returns the same instance when nothing changes.
    /// </remarks>
    public static async ValueTask<FilterSet?> ResolveVoucherCodesAsync(
        FilterSet? filters, IVoucherDirectory vouchers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vouchers);
        if (filters is null || filters.Clauses.IsDefaultOrEmpty)
        {
            return filters;
        }

        ImmutableArray<FieldFilter>.Builder? clauses = null;
        for (int i = 0; i < filters.Clauses.Length; i++)
        {
            var clause = filters.Clauses[i];
            if (clause.Field != TransactionField.VoucherId || clause.Conditions.IsDefault)
            {
                continue;
            }

            var resolved = await ResolveClauseAsync(clause, vouchers, cancellationToken).ConfigureAwait(false);
            if (!ReferenceEquals(resolved, clause))
            {
                clauses ??= filters.Clauses.ToBuilder();
                clauses[i] = resolved;
            }
        }

        return clauses is null ? filters : filters with { Clauses = clauses.MoveToImmutable() };
    }

    private static async ValueTask<FieldFilter> ResolveClauseAsync(
        FieldFilter clause, IVoucherDirectory vouchers, CancellationToken cancellationToken)
    {
        ImmutableArray<FilterCondition>.Builder? conditions = null;
        for (int i = 0; i < clause.Conditions.Length; i++)
        {
            var condition = clause.Conditions[i];
            if (condition.Operator is not (FilterOperator.In or FilterOperator.NotIn or FilterOperator.Is or FilterOperator.IsNot)
                || condition.Values.IsDefault)
            {
                continue;
            }

            ImmutableArray<FilterValue>.Builder? values = null;
            for (int j = 0; j < condition.Values.Length; j++)
            {
                string? text = condition.Values[j].Text;
                if (text is not null
                    && await vouchers.FindVoucherAsync(text, cancellationToken).ConfigureAwait(false) is { } voucher
                    && !string.Equals(voucher.Id, text, StringComparison.Ordinal))
                {
                    values ??= condition.Values.ToBuilder();
                    values[j] = FilterValue.OfText(voucher.Id);
                }
            }

            if (values is not null)
            {
                conditions ??= clause.Conditions.ToBuilder();
                conditions[i] = condition with { Values = values.MoveToImmutable() };
            }
        }

        return conditions is null ? clause : clause with { Conditions = conditions.MoveToImmutable() };
    }

    private static TransactionPredicate CompileClause(FieldFilter clause, long nowTicks)
    {
        var conditions = clause.Conditions.IsDefault ? [] : clause.Conditions;
        foreach (var condition in conditions)
        {
            FilterShape.Check(clause.Field, condition);
        }

        return clause.Field switch
        {
            TransactionField.Id => CompileText<TextFieldReaders.IdField>(conditions),
            TransactionField.Type => CompileText<TextFieldReaders.TypeField>(conditions),
            TransactionField.SourceId => CompileText<TextFieldReaders.SourceIdField>(conditions),
            TransactionField.Reason => CompileText<TextFieldReaders.ReasonField>(conditions),
            TransactionField.VoucherId => CompileText<TextFieldReaders.VoucherIdField>(conditions),
            TransactionField.CampaignId => CompileText<TextFieldReaders.CampaignIdField>(conditions),
            TransactionField.RelatedTransactionId => CompileText<TextFieldReaders.RelatedTransactionIdField>(conditions),
            TransactionField.Source => CompileText<TextFieldReaders.SourceField>(conditions),
            TransactionField.Amount => CompileNumber<NumberFieldReaders.AmountField>(conditions),
            TransactionField.Balance => CompileNumber<NumberFieldReaders.BalanceField>(conditions),
            TransactionField.CreatedAt => CompileCreatedAt(conditions, nowTicks),
            _ => throw new ArgumentException($"The field {TransactionFields.Name(clause.Field)} is not filterable.", nameof(clause)),
        };
    }

    private static TransactionPredicate CompileText<TField>(ImmutableArray<FilterCondition> conditions)
        where TField : struct, ITextFieldReader
    {
        var parts = new List<TransactionPredicate>(conditions.Length);
        foreach (var condition in conditions)
        {
            parts.Add(CompileTextCondition<TField>(condition));
        }

        return AllOf.Create(parts);
    }

    private static TransactionPredicate CompileTextCondition<TField>(FilterCondition condition)
        where TField : struct, ITextFieldReader
    {
        var values = condition.Values;
        return condition.Operator switch
        {
            FilterOperator.Is => new TextEquals<TField>(values[0].Text!, negate: false),
            FilterOperator.IsNot => new TextEquals<TField>(values[0].Text!, negate: true),
            FilterOperator.In => TextMembership<TField>(values, negate: false),
            FilterOperator.NotIn => TextMembership<TField>(values, negate: true),
            FilterOperator.Contains => new TextContains<TField>(values[0].Text!, negate: false),
            FilterOperator.NotContain => new TextContains<TField>(values[0].Text!, negate: true),
            FilterOperator.StartsWith => new TextStartsWith<TField>(values[0].Text!),
            FilterOperator.EndsWith => new TextEndsWith<TField>(values[0].Text!),
            FilterOperator.HasValue => new TextPresence<TField>(wantValue: true),
            _ => new TextPresence<TField>(wantValue: false),
        };
    }

    private static TransactionPredicate TextMembership<TField>(ImmutableArray<FilterValue> values, bool negate)
        where TField : struct, ITextFieldReader
    {
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            distinct.Add(value.Text!);
        }

        return distinct.Count == 1
            ? new TextEquals<TField>(values[0].Text!, negate)
            : new TextInSet<TField>(distinct, negate);
    }

    private static TransactionPredicate CompileNumber<TField>(ImmutableArray<FilterCondition> conditions)
        where TField : struct, INumberFieldReader
    {
        var parts = new List<TransactionPredicate>(conditions.Length);
        foreach (var condition in conditions)
        {
            parts.Add(CompileNumberCondition<TField>(condition));
        }

        return AllOf.Create(parts);
    }

    private static TransactionPredicate CompileNumberCondition<TField>(FilterCondition condition)
        where TField : struct, INumberFieldReader
    {
        if (condition.Operator is FilterOperator.HasValue or FilterOperator.IsUnknown)
        {
            return new NumberPresence<TField>(wantValue: condition.Operator == FilterOperator.HasValue);
        }

        if (condition.Operator is FilterOperator.In or FilterOperator.NotIn)
        {
            var distinct = new HashSet<long>();
            foreach (var value in condition.Values)
            {
                distinct.Add(value.Number);
            }

            bool negate = condition.Operator == FilterOperator.NotIn;
            long first = condition.Values[0].Number;
            return distinct.Count == 1
                ? new NumberInRange<TField>(first, first, negate)
                : new NumberInSet<TField>(distinct, negate);
        }

        long v = condition.Values[0].Number;
        return condition.Operator switch
        {
            FilterOperator.Is => new NumberInRange<TField>(v, v, negate: false),
            FilterOperator.IsNot => new NumberInRange<TField>(v, v, negate: true),
            FilterOperator.MoreThan => v == long.MaxValue ? MatchNone.Instance : new NumberInRange<TField>(v + 1, long.MaxValue, negate: false),
            FilterOperator.LessThan => v == long.MinValue ? MatchNone.Instance : new NumberInRange<TField>(long.MinValue, v - 1, negate: false),
            FilterOperator.MoreThanEqual => new NumberInRange<TField>(v, long.MaxValue, negate: false),
            _ => new NumberInRange<TField>(long.MinValue, v, negate: false),
        };
    }

    // Every created_at condition is a range of UTC ticks, so a clause is their intersection: one range, one test.
    private static TransactionPredicate CompileCreatedAt(ImmutableArray<FilterCondition> conditions, long nowTicks)
    {
        CreatedAtRange range = CreatedAtRange.For(conditions, new DateTimeOffset(nowTicks, TimeSpan.Zero));
        if (range.IsEmpty)
        {
            return MatchNone.Instance;
        }

        return !range.HasLowerBound && !range.HasUpperBound ? MatchAll.Instance : new CreatedAtInRange(range.FromTicks, range.ToTicks);
    }

}

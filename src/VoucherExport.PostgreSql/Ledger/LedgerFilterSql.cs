using System.Collections.Immutable;
using System.Text;
using Npgsql;
using VoucherExport.Parameters;

namespace VoucherExport.PostgreSql;

/// <summary>
/// Turns validated filters into a parameterized <c>WHERE</c> condition with exactly the semantics of
/// <see cref="FilterCompiler"/>: every value is a parameter, never SQL text.
/// </summary>
/// <remarks>
/// Null: <c>$is_not</c>, <c>$not_in</c> and <c>$not_contain</c> say <c>IS NULL OR …</c> explicitly, and every other
/// condition is false on null, so no condition is ever unknown and <c>OR</c> junctions stay two-valued.
/// <c>created_at</c> conditions of a clause become one range of 100 ns ticks, as the compiler computes it, then the
/// microsecond range PostgreSQL can hold (a stored timestamp is whole microseconds, so rounding the bounds inward
/// keeps exactly the same rows).
/// </remarks>
internal sealed class LedgerFilterSql
{

    private readonly StringBuilder _sql;
    private readonly List<NpgsqlParameter> _parameters;
    private readonly long _now;

    private LedgerFilterSql(StringBuilder sql, List<NpgsqlParameter> parameters, DateTimeOffset now)
    {
        _sql = sql;
        _parameters = parameters;
        _now = now.UtcTicks;
    }

    /// <summary>
    /// Whether every operand can be sent to PostgreSQL: text without U+0000 and without lone surrogates. A text column
    /// cannot hold either, so the compiler's ordinal answer on such an operand is not expressible as SQL over stored text.
    /// </summary>
    public static bool CanPush(FilterSet? filters)
    {
        if (filters is null || filters.Clauses.IsDefaultOrEmpty)
        {
            return true;
        }

        foreach (FieldFilter clause in filters.Clauses)
        {
            foreach (FilterCondition condition in clause.Conditions.IsDefault ? [] : clause.Conditions)
            {
                foreach (FilterValue value in condition.Values.IsDefault ? [] : condition.Values)
                {
                    if (value.Text is { } text && !IsStorable(text))
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    /// <summary>Appends the condition of <paramref name="filters"/> to <paramref name="sql"/>; its values go to <paramref name="parameters"/> as <c>$n</c>.</summary>
    public static void Append(StringBuilder sql, List<NpgsqlParameter> parameters, FilterSet? filters, DateTimeOffset now)
    {
        if (filters is null || filters.Clauses.IsDefaultOrEmpty)
        {
            sql.Append("TRUE");
            return;
        }

        var builder = new LedgerFilterSql(sql, parameters, now);
        string junction = filters.Junction == FilterJunction.Or ? " OR " : " AND ";
        sql.Append('(');
        for (int i = 0; i < filters.Clauses.Length; i++)
        {
            if (i > 0)
            {
                sql.Append(junction);
            }

            builder.AppendClause(filters.Clauses[i]);
        }

        sql.Append(')');
    }

    /// <summary>The column a filterable field is stored in, qualified by the table alias <c>t</c>.</summary>
    public static string Column(TransactionField field) => field switch
    {
        TransactionField.Id => "t.id",
        TransactionField.Type => "t.type",
        TransactionField.SourceId => "t.source_id",
        TransactionField.Reason => "t.reason",
        TransactionField.VoucherId => "t.voucher_id",
        TransactionField.CampaignId => "t.campaign_id",
        TransactionField.RelatedTransactionId => "t.related_transaction_id",
        TransactionField.Source => "t.source",
        TransactionField.Amount => "t.amount",
        TransactionField.Balance => "t.balance",
        TransactionField.CreatedAt => "t.created_at",
        _ => throw new ArgumentException($"The field {TransactionFields.Name(field)} is not filterable.", nameof(field)),
    };

    /// <summary>A whole-microsecond UTC instant as PostgreSQL stores it.</summary>
    public static DateTime Microseconds(long microseconds) => new(microseconds * 10, DateTimeKind.Utc);

    private static bool IsStorable(string text) => !text.Contains('\0', StringComparison.Ordinal) && !HasLoneSurrogate(text);

    private static bool HasLoneSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    private void AppendClause(FieldFilter clause)
    {
        ImmutableArray<FilterCondition> conditions = clause.Conditions.IsDefault ? [] : clause.Conditions;
        foreach (FilterCondition condition in conditions)
        {
            Check(clause.Field, condition);
        }

        if (clause.Field == TransactionField.CreatedAt)
        {
            AppendCreatedAt(conditions);
            return;
        }

        if (conditions.IsEmpty)
        {
            _sql.Append("TRUE");
            return;
        }

        bool number = clause.Field is TransactionField.Amount or TransactionField.Balance;
        string column = Column(clause.Field);
        _sql.Append('(');
        for (int i = 0; i < conditions.Length; i++)
        {
            if (i > 0)
            {
                _sql.Append(" AND ");
            }

            if (number)
            {
                AppendNumber(column, conditions[i]);
            }
            else
            {
                AppendText(column, conditions[i]);
            }
        }

        _sql.Append(')');
    }

    // The compiler checks conditions built in code the same way before it compiles them.
    private static void Check(TransactionField field, FilterCondition condition)
    {
        string where = $"{TransactionFields.Name(field)}.{FilterOperators.Name(condition.Operator)}";
        if (!FilterOperators.IsAllowed(TransactionFields.Kind(field), condition.Operator))
        {
            throw new ArgumentException($"The filter {where} does not fit the field.", nameof(condition));
        }

        bool needsOperand = condition.Operator is not (FilterOperator.HasValue or FilterOperator.IsUnknown);
        if (needsOperand && condition.Values.IsDefaultOrEmpty)
        {
            throw new ArgumentException($"The filter {where} has no operand.", nameof(condition));
        }

        if (TransactionFields.Kind(field) == FieldKind.Text && needsOperand)
        {
            foreach (FilterValue value in condition.Values)
            {
                if (value.Text is null)
                {
                    throw new ArgumentException($"The filter {where} has an operand that is not text.", nameof(condition));
                }
            }
        }
    }

    private void AppendText(string column, FilterCondition condition)
    {
        ImmutableArray<FilterValue> values = condition.Values;
        switch (condition.Operator)
        {
            case FilterOperator.Is:
                _sql.Append(column).Append(" = ").Append(Text(values[0].Text!));
                break;
            case FilterOperator.IsNot:
                _sql.Append(column).Append(" IS DISTINCT FROM ").Append(Text(values[0].Text!));
                break;
            // One value is plain equality, which the planner can match to an index that also gives the order.
            case FilterOperator.In when values.Length == 1:
                _sql.Append(column).Append(" = ").Append(Text(values[0].Text!));
                break;
            case FilterOperator.NotIn when values.Length == 1:
                _sql.Append(column).Append(" IS DISTINCT FROM ").Append(Text(values[0].Text!));
                break;
            case FilterOperator.In:
                _sql.Append(column).Append(" = ANY(").Append(TextArray(values)).Append(')');
                break;
            case FilterOperator.NotIn:
                _sql.Append('(').Append(column).Append(" IS NULL OR ").Append(column).Append(" <> ALL(")
                    .Append(TextArray(values)).Append("))");
                break;
            case FilterOperator.Contains:
                _sql.Append(column).Append(" LIKE ").Append(Text($"%{EscapeLike(values[0].Text!)}%"));
                break;
            case FilterOperator.NotContain:
                _sql.Append('(').Append(column).Append(" IS NULL OR ").Append(column).Append(" NOT LIKE ")
                    .Append(Text($"%{EscapeLike(values[0].Text!)}%")).Append(')');
                break;
            case FilterOperator.StartsWith:
                _sql.Append(column).Append(" LIKE ").Append(Text($"{EscapeLike(values[0].Text!)}%"));
                break;
            case FilterOperator.EndsWith:
                _sql.Append(column).Append(" LIKE ").Append(Text($"%{EscapeLike(values[0].Text!)}"));
                break;
            case FilterOperator.HasValue:
                _sql.Append(column).Append(" IS NOT NULL");
                break;
            case FilterOperator.IsUnknown:
                _sql.Append(column).Append(" IS NULL");
                break;
            default:
                throw new ArgumentException($"{FilterOperators.Name(condition.Operator)} does not apply to text", nameof(condition));
        }
    }

    private void AppendNumber(string column, FilterCondition condition)
    {
        ImmutableArray<FilterValue> values = condition.Values;
        string op;
        switch (condition.Operator)
        {
            case FilterOperator.HasValue:
                _sql.Append(column).Append(" IS NOT NULL");
                return;
            case FilterOperator.IsUnknown:
                _sql.Append(column).Append(" IS NULL");
                return;
            case FilterOperator.IsNot:
                _sql.Append(column).Append(" IS DISTINCT FROM ").Append(Number(values[0].Number));
                return;
            case FilterOperator.In:
                _sql.Append(column).Append(" = ANY(").Append(NumberArray(values)).Append(')');
                return;
            case FilterOperator.NotIn:
                _sql.Append('(').Append(column).Append(" IS NULL OR ").Append(column).Append(" <> ALL(")
                    .Append(NumberArray(values)).Append("))");
                return;
            case FilterOperator.Is:
                op = " = ";
                break;
            case FilterOperator.MoreThan:
                op = " > ";
                break;
            case FilterOperator.LessThan:
                op = " < ";
                break;
            case FilterOperator.MoreThanEqual:
                op = " >= ";
                break;
            case FilterOperator.LessThanEqual:
                op = " <= ";
                break;
            default:
                throw new ArgumentException($"{FilterOperators.Name(condition.Operator)} does not apply to numbers", nameof(condition));
        }

        _sql.Append(column).Append(op).Append(Number(values[0].Number));
    }

    private void AppendCreatedAt(ImmutableArray<FilterCondition> conditions)
    {
        CreatedAtRange range = CreatedAtRange.For(conditions, new DateTimeOffset(_now, TimeSpan.Zero));
        long low = range.FromTicks;
        long high = range.ToTicks;

        // Stored instants are whole microseconds: keep the ones inside [low, high].
        long lowMicros = low / 10 + (low % 10 == 0 ? 0 : 1);
        long highMicros = high / 10;
        if (low > high || lowMicros > highMicros)
        {
            _sql.Append("FALSE");
            return;
        }

        bool bounded = false;
        _sql.Append('(');
        if (range.HasLowerBound)
        {
            _sql.Append("t.created_at >= ").Append(Instant(lowMicros));
            bounded = true;
        }

        if (range.HasUpperBound)
        {
            _sql.Append(bounded ? " AND " : string.Empty).Append("t.created_at <= ").Append(Instant(highMicros));
            bounded = true;
        }

        _sql.Append(bounded ? ")" : "TRUE)");
    }

    /// <summary>The operand as a LIKE pattern that matches it literally (backslash is LIKE's default escape).</summary>
    internal static string EscapeLike(string text)
    {
        if (text.AsSpan().IndexOfAny('\\', '%', '_') < 0)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (c is '\\' or '%' or '_')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    private string Text(string value) => Add(new NpgsqlParameter<string> { TypedValue = value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });

    private string TextArray(ImmutableArray<FilterValue> values)
    {
        var texts = new string[values.Length];
        for (int i = 0; i < texts.Length; i++)
        {
            texts[i] = values[i].Text!;
        }

        return Add(new NpgsqlParameter<string[]>
        {
            TypedValue = texts,
            NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text,
        });
    }

    private string Number(long value) => Add(new NpgsqlParameter<long> { TypedValue = value });

    private string NumberArray(ImmutableArray<FilterValue> values)
    {
        var numbers = new long[values.Length];
        for (int i = 0; i < numbers.Length; i++)
        {
            numbers[i] = values[i].Number;
        }

        return Add(new NpgsqlParameter<long[]> { TypedValue = numbers });
    }

    private string Instant(long microseconds) => Add(new NpgsqlParameter<DateTime>
    {
        TypedValue = Microseconds(microseconds),
        NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz,
    });

    private string Add(NpgsqlParameter parameter)
    {
        _parameters.Add(parameter);
        return $"${_parameters.Count}";
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Parameters;

/// <summary>A random <c>filters</c> object (as JSON text), a clock reading and rows to run it on.</summary>
internal sealed record FilterCase(string FiltersJson, DateTimeOffset Now, VoucherTransaction[] Rows)
{
    public override string ToString()
        => $"filters {FiltersJson} at {Now:O} over [{string.Join("; ", Rows.Select(Describe))}]";

    private static string Describe(VoucherTransaction t)
        => $"id={t.Id} type={t.Type} source_id={t.SourceId ?? "null"} voucher_id={t.VoucherId ?? "null"} "
           + $"campaign_id={t.CampaignId ?? "null"} source={t.Source ?? "null"} reason={t.Reason ?? "null"} "
           + $"related={t.RelatedTransactionId ?? "null"} created_at={t.CreatedAt:O} amount={t.Amount?.ToString(CultureInfo.InvariantCulture) ?? "null"} "
           + $"balance={t.Balance?.ToString(CultureInfo.InvariantCulture) ?? "null"}";
}

/// <summary>
/// FsCheck generators over small pools, so that random filters hit random rows often: equal strings, prefixes,
/// empty strings, nulls, negative and extreme numbers, and timestamps on and around day and clock boundaries.
/// </summary>
internal static class FilterGenerators
{
    private const int RowsPerCase = 40;

    private static readonly string?[] s_optionalTexts = [null, null, "", "a", "ab", "ba", "abc", "A", "v_1", "é", "a b"];
    private static readonly string[] s_requiredTexts = ["", "a", "ab", "abc", "A", "v_1"];
    private static readonly string[] s_operandTexts = ["", "a", "b", "ab", "bc", "abc", "A", "v_1", "é", "x"];
    private static readonly long?[] s_numbers = [null, null, -5, -1, 0, 1, 2, 5, 100, long.MinValue, long.MaxValue];
    private static readonly long[] s_operandNumbers = [-5, -1, 0, 1, 2, 5, 100, long.MinValue, long.MaxValue];

    private static readonly TimeSpan s_clock = ParametersTestData.Now.TimeOfDay;

    // Offsets from a midnight: the day's ends, and the clock reading and its neighbours.
    private static readonly TimeSpan[] s_timesOfDay =
    [
        TimeSpan.Zero, TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(12),
        TimeSpan.FromDays(1) - TimeSpan.FromTicks(1), s_clock - TimeSpan.FromTicks(1), s_clock - TimeSpan.FromMilliseconds(1),
        s_clock, s_clock, s_clock + TimeSpan.FromTicks(1), s_clock + TimeSpan.FromMilliseconds(1),
    ];

    private static readonly TransactionField[] s_filterable =
        [.. TransactionFields.All.Where(TransactionFields.IsFilterable)];

    /// <summary>
    /// An instant within a few days of <paramref name="now"/>: on or next to a UTC day boundary, or exactly whole
    /// days from <paramref name="now"/> give or take a tick, where the relative operators change their minds.
    /// </summary>
    public static Gen<DateTimeOffset> Instant(DateTimeOffset now)
    {
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var nearMidnight = from day in Gen.Choose(-4, 4)
                           from time in Gen.Elements(s_timesOfDay)
                           select midnight.AddDays(day).Add(time);
        var nearNow = from day in Gen.Choose(-6, 6)
                      from ticks in Gen.Elements(-1L, 0L, 0L, 1L, -TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerMillisecond)
                      select now.AddDays(day).AddTicks(ticks);
        return from at in Gen.OneOf(nearMidnight, nearNow)
               from offsetHours in Gen.Elements(0, 0, 5, -8)
               select at.ToOffset(TimeSpan.FromHours(offsetHours));
    }

    /// <summary>A transaction from the small pools, made around <paramref name="now"/>.</summary>
    public static Gen<VoucherTransaction> Transaction(DateTimeOffset now) =>
        from id in Gen.Elements(s_requiredTexts)
        from type in Gen.Elements(s_requiredTexts)
        from texts in Gen.ArrayOf(Gen.Elements(s_optionalTexts), 6)
        from createdAt in Instant(now)
        from amount in Gen.Elements(s_numbers)
        from balance in Gen.Elements(s_numbers)
        select new VoucherTransaction
        {
            Id = id,
            Type = type,
            SourceId = texts[0],
            VoucherId = texts[1],
            CampaignId = texts[2],
            Source = texts[3],
            Reason = texts[4],
            RelatedTransactionId = texts[5],
            CreatedAt = createdAt,
            Amount = amount,
            Balance = balance,
        };

    /// <summary>A valid <c>filters</c> object as JSON text, using every accepted spelling of operands.</summary>
    public static Gen<string> FiltersJson(DateTimeOffset now) =>
        from junction in Gen.Elements<string?>(null, "and", "or", "AND", "Or", "oR")
        from count in Gen.Frequency((1, Gen.Constant(0)), (4, Gen.Choose(1, 2)), (2, Gen.Choose(3, 5)))
        from shuffled in Gen.Shuffle(s_filterable)
        from dateFirst in Gen.Elements(false, true)
        let fields = dateFirst ? [TransactionField.CreatedAt, .. shuffled.Where(f => f != TransactionField.CreatedAt)] : shuffled
        from clauses in Gen.CollectToArray(fields.Take(count), f => Clause(f, now))
        select Object(junction is null ? clauses : [$"\"junction\":{Str(junction)}", .. clauses]);

    /// <summary>A valid <c>parameters</c> object as JSON text, with or without each member.</summary>
    public static Gen<string> ParametersJson { get; } =
        from order in Gen.Elements<string?>(null, "created_at", "-created_at")
        from fieldCount in Gen.Choose(0, TransactionFields.All.Length)
        from fields in Gen.Shuffle(TransactionFields.All.ToArray())
        from filters in Gen.Frequency((1, Gen.Constant<string?>(null)), (4, FiltersJson(ParametersTestData.Now).Select(f => (string?)f)))
        select Object(
        [
            .. order is null ? Array.Empty<string>() : [$"\"order\":{Str(order)}"],
            .. fieldCount == 0 ? Array.Empty<string>() : [$"\"fields\":[{string.Join(",", fields.Take(fieldCount).Select(f => Str(TransactionFields.Name(f))))}]"],
            .. filters is null ? Array.Empty<string>() : [$"\"filters\":{filters}"],
        ]);

    /// <summary>A filter, a clock reading and rows.</summary>
    public static Gen<FilterCase> Cases { get; } =
        from now in Gen.Frequency((3, Gen.Constant(ParametersTestData.Now)), (2, Instant(ParametersTestData.Now)))
        from filters in FiltersJson(now)
        from rows in Gen.ArrayOf(Transaction(now), RowsPerCase)
        select new FilterCase(filters, now, rows);

    /// <summary>Parses a generated <c>filters</c> object with the real parser.</summary>
    public static FilterSet? ParseFilters(string filtersJson)
        => ExportParametersParser.Parse(Encoding.UTF8.GetBytes($"{{\"filters\":{filtersJson}}}")).Filters;

    private static Gen<string> Clause(TransactionField field, DateTimeOffset now)
    {
        var kind = TransactionFields.Kind(field);
        return from count in Gen.Frequency((4, Gen.Constant(1)), (2, Gen.Constant(2)), (1, Gen.Constant(3)))
               from ops in Gen.Shuffle(FilterOperators.Allowed(kind).ToArray())
               from conditions in Gen.CollectToArray(ops.Take(count), op => Condition(kind, op, now))
               select $"{Str(TransactionFields.Name(field))}:{{\"conditions\":{Object(conditions)}}}";
    }

    private static Gen<string> Condition(FieldKind kind, FilterOperator op, DateTimeOffset now)
    {
        var operand = FilterOperators.Operand(kind, op) switch
        {
            FilterOperand.None => Gen.Elements("true", "\"\"", "null", "[]", "false"),
            FilterOperand.Text => Gen.Elements(s_operandTexts).Select(Str),
            FilterOperand.Integer => from n in Gen.Elements(s_operandNumbers)
                                     from quoted in Gen.Elements(false, true)
                                     select Num(n, quoted),
            FilterOperand.DayCount => from n in Gen.Choose(0, 5)
                                      from quoted in Gen.Elements(false, true)
                                      select Num(n, quoted),
            _ => from at in Instant(now)
                 from style in Gen.Choose(0, 4)
                 select Str(FormatInstant(at, style)),
        };
        Gen<string> operands = FilterOperators.TakesList(op)
            ? from n in Gen.Choose(1, 4)
              from items in Gen.ArrayOf(operand, n)
              from scalar in Gen.Elements(false, true)
              select n == 1 && scalar ? items[0] : $"[{string.Join(",", items)}]"
            : from item in operand
              from wrapped in Gen.Elements(false, true)
              select wrapped && FilterOperators.Operand(kind, op) != FilterOperand.None ? $"[{item}]" : item;
        return operands.Select(o => $"{Str(FilterOperators.Name(op))}:{o}");
    }

    private static string FormatInstant(DateTimeOffset at, int style) => style switch
    {
        0 => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        1 => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        2 => at.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture),
        3 => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture),
        _ => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };

    private static string Num(long n, bool quoted)
    {
        string text = n.ToString(CultureInfo.InvariantCulture);
        return quoted ? Str(text) : text;
    }

    private static string Str(string text) => JsonSerializer.Serialize(text);

    private static string Object(IEnumerable<string> members) => $"{{{string.Join(",", members)}}}";
}

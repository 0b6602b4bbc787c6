using System.Globalization;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>A random filter, its clock reading, the order, and the rows it runs over.</summary>
internal sealed record LedgerFilterCase(string FiltersJson, DateTimeOffset Now, bool Ascending, VoucherTransaction[] Rows)
{
    public override string ToString() => $"filters {FiltersJson} at {Now:O} ({(Ascending ? "asc" : "desc")}) over {Rows.Length} rows";
}

/// <summary>
/// Random filters and rows for the push-down property, after the Core's FilterGenerators, plus the LIKE specials
/// (<c>%</c>, <c>_</c>, <c>\</c>) that the SQL must match literally. Row instants are whole microseconds (what PostgreSQL
/// stores); operands and the clock keep 100 ns ticks, so the bound rounding is exercised.
/// </summary>
internal static class LedgerFilterGenerators
{
    private static readonly string[] s_ids =
        ["", "a", "ab", "abc", "A", "v_1", "é", "a b", "a%b", "a_b", "a\\b", "%", "_x", "b", "ba", "bc", "x", "x_1", "x%1", "ab%", "vtx_1", "vtx_2"];

    private static readonly string?[] s_optionalTexts = [null, null, "", "a", "ab", "ba", "abc", "A", "v_1", "é", "a b", "a%b", "a_b", "a\\b", "%", "_x"];
    private static readonly string[] s_types = ["", "a", "ab", "A", "v_1", "a%b"];
    private static readonly string[] s_operandTexts = ["", "a", "b", "ab", "bc", "abc", "A", "v_1", "é", "x", "%", "_", "\\", "a%", "_b", "\\b", "%b"];
    private static readonly long?[] s_numbers = [null, null, -5, -1, 0, 1, 2, 5, 100, long.MinValue, long.MaxValue];
    private static readonly long[] s_operandNumbers = [-5, -1, 0, 1, 2, 5, 100, long.MinValue, long.MaxValue];
    private static readonly TransactionField[] s_filterable =
        [.. TransactionFields.All.Where(TransactionFields.IsFilterable)];

    public static readonly DateTimeOffset BaseNow = new DateTimeOffset(2024, 3, 10, 14, 30, 15, 123, TimeSpan.Zero).AddTicks(4567);

    public static Gen<LedgerFilterCase> Cases { get; } =
        from now in Gen.Frequency((3, Gen.Constant(BaseNow)), (2, Instant(BaseNow, 1)))
        from filters in FiltersJson(now)
        from asc in Gen.Elements(true, false)
        from ids in Gen.Shuffle(s_ids)
        from rows in Gen.CollectToArray(ids, id => Transaction(id, now))
        select new LedgerFilterCase(filters, now, asc, rows);

    public static FilterSet? Parse(string filtersJson) =>
        ExportParametersParser.Parse(System.Text.Encoding.UTF8.GetBytes($"{{\"filters\":{filtersJson}}}")).Filters;

    private static Gen<DateTimeOffset> Instant(DateTimeOffset now, long tick)
    {
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        TimeSpan clock = now.TimeOfDay;
        TimeSpan[] timesOfDay =
        [
            TimeSpan.Zero, TimeSpan.FromTicks(tick), TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(12),
            TimeSpan.FromDays(1) - TimeSpan.FromTicks(tick), clock - TimeSpan.FromTicks(tick), clock, clock, clock + TimeSpan.FromTicks(tick),
        ];
        var nearMidnight = from day in Gen.Choose(-4, 4)
                           from time in Gen.Elements(timesOfDay)
                           select midnight.AddDays(day).Add(time);
        var nearNow = from day in Gen.Choose(-6, 6)
                      from ticks in Gen.Elements(-tick, 0L, 0L, tick, -TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerMillisecond)
                      select now.AddDays(day).AddTicks(ticks);
        return Gen.OneOf(nearMidnight, nearNow);
    }

    private static Gen<VoucherTransaction> Transaction(string id, DateTimeOffset now) =>
        from type in Gen.Elements(s_types)
        from texts in Gen.ArrayOf(Gen.Elements(s_optionalTexts), 6)
        from at in Instant(now, 10)
        from amount in Gen.Elements(s_numbers)
        from balance in Gen.Elements(s_numbers)
        from points in Gen.Elements(false, true)
        from noDetails in Gen.Frequency((1, Gen.Constant(true)), (6, Gen.Constant(false)))
        let createdAt = new DateTimeOffset(at.UtcTicks - at.UtcTicks % 10, TimeSpan.Zero)
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
            Details = noDetails ? default : Details(amount, balance, points),
            Amount = noDetails ? null : amount,
            Balance = noDetails ? null : balance,
        };

    private static byte[] Details(long? amount, long? balance, bool points)
    {
        string Num(long? n) => n?.ToString(CultureInfo.InvariantCulture) ?? "null";
        return System.Text.Encoding.UTF8.GetBytes(
            $"{{\"balance\":{{\"{(points ? "points" : "amount")}\":{Num(amount)},\"balance\":{Num(balance)}}},\"note\":\"a, b: c\"}}");
    }

    private static Gen<string> FiltersJson(DateTimeOffset now) =>
        from junction in Gen.Elements<string?>(null, "and", "or", "OR")
        from count in Gen.Frequency((1, Gen.Constant(0)), (4, Gen.Choose(1, 2)), (2, Gen.Choose(3, 5)))
        from shuffled in Gen.Shuffle(s_filterable)
        from clauses in Gen.CollectToArray(shuffled.Take(count), f => Clause(f, now))
        select Object(junction is null ? clauses : [$"\"junction\":{Str(junction)}", .. clauses]);

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
        Gen<string> operand;
        if (op is FilterOperator.HasValue or FilterOperator.IsUnknown)
        {
            operand = Gen.Elements("true", "\"\"");
        }
        else if (kind == FieldKind.Text)
        {
            operand = Gen.Elements(s_operandTexts).Select(Str);
        }
        else if (kind == FieldKind.Number)
        {
            operand = Gen.Elements(s_operandNumbers).Select(n => n.ToString(CultureInfo.InvariantCulture));
        }
        else if (op is FilterOperator.After or FilterOperator.Before or FilterOperator.MoreThanEqual or FilterOperator.LessThanEqual)
        {
            operand = Instant(now, 1).Select(at => Str(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)));
        }
        else
        {
            operand = Gen.Choose(0, 5).Select(n => n.ToString(CultureInfo.InvariantCulture));
        }

        Gen<string> operands = op is FilterOperator.In or FilterOperator.NotIn
            ? from n in Gen.Choose(1, 4)
              from items in Gen.ArrayOf(operand, n)
              select $"[{string.Join(",", items)}]"
            : operand;
        return operands.Select(o => $"{Str(FilterOperators.Name(op))}:{o}");
    }

    private static string Str(string text) => JsonSerializer.Serialize(text);

    private static string Object(IEnumerable<string> members) => $"{{{string.Join(",", members)}}}";
}

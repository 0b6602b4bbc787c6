using System.Collections.Immutable;

namespace VoucherExport.Parameters;

/// <summary>The API names of the filter operators and which of them each field kind accepts (SPEC §2.3).</summary>
public static class FilterOperators
{
    /// <summary>The largest day count a relative date operator accepts: about ten thousand years, the whole calendar.</summary>
    public const long MaxDays = 3_650_000;

    private static readonly string[] s_names =
    [
        "$in", "$not_in", "$is", "$is_not", "$has_value", "$is_unknown", "$contains", "$not_contain", "$starts_with",
        "$ends_with", "$after", "$before", "$more_than_equal", "$less_than_equal", "$more_than", "$less_than",
        "$more_than_ago", "$less_than_ago", "$more_than_future", "$less_than_future", "$is_days_ago",
        "$is_days_in_future",
    ];

    private static readonly ImmutableArray<FilterOperator> s_text =
    [
        FilterOperator.In, FilterOperator.NotIn, FilterOperator.Is, FilterOperator.IsNot, FilterOperator.HasValue,
        FilterOperator.IsUnknown, FilterOperator.Contains, FilterOperator.NotContain, FilterOperator.StartsWith,
        FilterOperator.EndsWith,
    ];

    private static readonly ImmutableArray<FilterOperator> s_date =
    [
        FilterOperator.After, FilterOperator.Before, FilterOperator.MoreThanEqual, FilterOperator.LessThanEqual,
        FilterOperator.HasValue, FilterOperator.IsUnknown, FilterOperator.MoreThan, FilterOperator.LessThan,
        FilterOperator.MoreThanAgo, FilterOperator.LessThanAgo, FilterOperator.MoreThanFuture,
        FilterOperator.LessThanFuture, FilterOperator.IsDaysAgo, FilterOperator.IsDaysInFuture,
    ];

    private static readonly ImmutableArray<FilterOperator> s_number =
    [
        FilterOperator.Is, FilterOperator.IsNot, FilterOperator.In, FilterOperator.NotIn, FilterOperator.MoreThan,
        FilterOperator.LessThan, FilterOperator.MoreThanEqual, FilterOperator.LessThanEqual, FilterOperator.HasValue,
        FilterOperator.IsUnknown,
    ];

    private static readonly string s_textList = JoinNames(s_text);
    private static readonly string s_dateList = JoinNames(s_date);
    private static readonly string s_numberList = JoinNames(s_number);

    /// <summary>The API name of an operator, e.g. <c>$not_in</c>.</summary>
    public static string Name(FilterOperator op) => s_names[(int)op];

    /// <summary>Finds an operator by its API name (ordinal, case-sensitive, with the <c>$</c>).</summary>
    public static bool TryParse(string? name, out FilterOperator op)
    {
        int i = name is null ? -1 : Array.IndexOf(s_names, name);
        op = (FilterOperator)Math.Max(i, 0);
        return i >= 0;
    }

    /// <summary>The operators a field of <paramref name="kind"/> accepts, in SPEC order; none for JSON fields.</summary>
    public static ImmutableArray<FilterOperator> Allowed(FieldKind kind) => kind switch
    {
        FieldKind.Text => s_text,
        FieldKind.Date => s_date,
        FieldKind.Number => s_number,
        _ => [],
    };

    /// <summary>Whether a field of <paramref name="kind"/> accepts <paramref name="op"/>.</summary>
    public static bool IsAllowed(FieldKind kind, FilterOperator op) => Allowed(kind).Contains(op);

    /// <summary>The operators a field of <paramref name="kind"/> accepts, comma separated, for error messages.</summary>
    public static string AllowedList(FieldKind kind) => kind switch
    {
        FieldKind.Text => s_textList,
        FieldKind.Date => s_dateList,
        FieldKind.Number => s_numberList,
        _ => "none",
    };

    /// <summary>Whether <paramref name="op"/> takes a list of operands rather than exactly one.</summary>
    public static bool TakesList(FilterOperator op) => op is FilterOperator.In or FilterOperator.NotIn;

    /// <summary>What the operands of <paramref name="op"/> are for a field of <paramref name="kind"/>.</summary>
    internal static FilterOperand Operand(FieldKind kind, FilterOperator op) => op switch
    {
        FilterOperator.HasValue or FilterOperator.IsUnknown => FilterOperand.None,
        _ when kind == FieldKind.Text => FilterOperand.Text,
        _ when kind == FieldKind.Number => FilterOperand.Integer,
        FilterOperator.After or FilterOperator.Before or FilterOperator.MoreThanEqual or FilterOperator.LessThanEqual
            => FilterOperand.Instant,
        _ => FilterOperand.DayCount,
    };

    private static string JoinNames(ImmutableArray<FilterOperator> ops)
    {
        var names = new string[ops.Length];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = s_names[(int)ops[i]];
        }

        return string.Join(", ", names);
    }
}

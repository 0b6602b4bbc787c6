namespace VoucherExport.Parameters;

/// <summary>The filter operators of SPEC §2.3.</summary>
public enum FilterOperator
{
    /// <summary><c>$in</c></summary>
    In,
    /// <summary><c>$not_in</c></summary>
    NotIn,
    /// <summary><c>$is</c></summary>
    Is,
    /// <summary><c>$is_not</c></summary>
    IsNot,
    /// <summary><c>$has_value</c></summary>
    HasValue,
    /// <summary><c>$is_unknown</c></summary>
    IsUnknown,
    /// <summary><c>$contains</c></summary>
    Contains,
    /// <summary><c>$not_contain</c></summary>
    NotContain,
    /// <summary><c>$starts_with</c></summary>
    StartsWith,
    /// <summary><c>$ends_with</c></summary>
    EndsWith,
    /// <summary><c>$after</c> (strict)</summary>
    After,
    /// <summary><c>$before</c> (strict)</summary>
    Before,
    /// <summary><c>$more_than_equal</c> (inclusive)</summary>
    MoreThanEqual,
    /// <summary><c>$less_than_equal</c> (inclusive)</summary>
    LessThanEqual,
    /// <summary><c>$more_than</c>: a number greater than, or a date more than N days ago.</summary>
    MoreThan,
    /// <summary><c>$less_than</c>: a number less than, or a date less than N days ago.</summary>
    LessThan,
    /// <summary><c>$more_than_ago</c></summary>
    MoreThanAgo,
    /// <summary><c>$less_than_ago</c></summary>
    LessThanAgo,
    /// <summary><c>$more_than_future</c></summary>
    MoreThanFuture,
    /// <summary><c>$less_than_future</c></summary>
    LessThanFuture,
    /// <summary><c>$is_days_ago</c></summary>
    IsDaysAgo,
    /// <summary><c>$is_days_in_future</c></summary>
    IsDaysInFuture,
}

namespace VoucherExport.Parameters;

/// <summary>The JSON shape an operator's operands take for a given field kind.</summary>
internal enum FilterOperand
{
    /// <summary>No operand: <c>$has_value</c> / <c>$is_unknown</c> ignore theirs.</summary>
    None,

    /// <summary>A JSON string, compared ordinally.</summary>
    Text,

    /// <summary>A 64-bit integer, as a JSON number or a numeric string.</summary>
    Integer,

    /// <summary>A whole, non-negative number of days, as a JSON number or a numeric string.</summary>
    DayCount,

    /// <summary>An ISO 8601 date-time string.</summary>
    Instant,
}

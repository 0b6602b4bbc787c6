namespace VoucherExport.Parameters;

/// <summary>
/// One operand of a filter condition, already typed for its field: text for text fields,
/// a number for numeric fields and for day counts, an instant for ISO 8601 date operands.
/// </summary>
/// <param name="Text">The text operand (text fields), else null.</param>
/// <param name="Number">The integer operand (numeric fields, day counts), else 0.</param>
/// <param name="Date">The instant operand (absolute date operators), else default.</param>
public readonly record struct FilterValue(string? Text, long Number, DateTimeOffset Date)
{
    /// <summary>A text operand.</summary>
    public static FilterValue OfText(string text) => new(text, 0, default);

    /// <summary>A numeric operand or day count.</summary>
    public static FilterValue OfNumber(long number) => new(null, number, default);

    /// <summary>A date operand.</summary>
    public static FilterValue OfDate(DateTimeOffset date) => new(null, 0, date);
}

namespace VoucherExport.Parameters;

/// <summary>
/// Checks a condition built in code (not parsed) before it is compiled or written, because
/// <see cref="FilterCondition"/> itself can hold any operator and any number of operands.
/// </summary>
internal static class FilterShape
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="condition"/> fits <paramref name="field"/>.</summary>
    public static void Check(TransactionField field, FilterCondition condition)
    {
        var kind = TransactionFields.Kind(field);
        string where = $"{TransactionFields.Name(field)}.{FilterOperators.Name(condition.Operator)}";
        if (!FilterOperators.IsAllowed(kind, condition.Operator))
        {
            throw new ArgumentException($"The filter {where} does not fit the field.", nameof(condition));
        }

        var operand = FilterOperators.Operand(kind, condition.Operator);
        if (operand == FilterOperand.None)
        {
            return;
        }

        int count = condition.Values.IsDefault ? 0 : condition.Values.Length;
        if (count == 0 || (count > 1 && !FilterOperators.TakesList(condition.Operator)))
        {
            throw new ArgumentException($"The filter {where} has {count} operands.", nameof(condition));
        }

        foreach (var value in condition.Values)
        {
            bool valid = operand switch
            {
                FilterOperand.Text => value.Text is not null,
                FilterOperand.DayCount => value.Number is >= 0 and <= FilterOperators.MaxDays,
                _ => true,
            };
            if (!valid)
            {
                throw new ArgumentException($"The filter {where} has an operand out of range.", nameof(condition));
            }
        }
    }
}

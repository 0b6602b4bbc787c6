namespace VoucherExport.Parameters;

/// <summary>How the per-field clauses of a filter combine.</summary>
public enum FilterJunction
{
    /// <summary>Every clause must match (the default).</summary>
    And,
    /// <summary>Any clause may match.</summary>
    Or,
}

namespace VoucherExport.Parameters;

/// <summary>The order of an export (SPEC §2.1); ties are broken by <c>id</c> in the same direction.</summary>
public enum ExportOrder
{
    /// <summary><c>-created_at</c>: newest first (the default).</summary>
    CreatedAtDescending = 0,

    /// <summary><c>created_at</c>: oldest first.</summary>
    CreatedAtAscending = 1,
}

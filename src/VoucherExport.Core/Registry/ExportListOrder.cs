namespace VoucherExport.Registry;

/// <summary>The orders of <c>GET /v1/exports</c>: <c>created_at</c>, <c>-created_at</c>, <c>status</c>, <c>-status</c>.</summary>
public enum ExportListOrder
{
    /// <summary><c>-created_at</c>: newest first (the default).</summary>
    CreatedAtDescending,
    /// <summary><c>created_at</c>: oldest first.</summary>
    CreatedAtAscending,
    /// <summary><c>status</c>: by status name, A to Z, then newest first.</summary>
    StatusAscending,
    /// <summary><c>-status</c>: by status name, Z to A, then newest first.</summary>
    StatusDescending,
}

namespace VoucherExport.Registry;

/// <summary>An export a worker has claimed: the export (now <c>IN_PROGRESS</c>), the lease, and when it first started.</summary>
/// <param name="Job">The export as stored, status <c>IN_PROGRESS</c>.</param>
/// <param name="Lease">The worker's lease on it.</param>
/// <param name="StartedAt">
/// The clock reading of the first claim. Relative date filters of every attempt use it, so an export taken over by
/// another worker gives the same bytes.
/// </param>
public sealed record ExportClaim(ExportJob Job, ExportLease Lease, DateTimeOffset StartedAt);

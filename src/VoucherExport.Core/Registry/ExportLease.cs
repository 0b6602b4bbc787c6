namespace VoucherExport.Registry;

/// <summary>
/// A worker's hold on a running export: who holds it, which claim it is, and until when. Every write of the run names
/// the lease, and a store refuses it once another claim took the export over.
/// </summary>
/// <param name="AppId">The application that owns the export.</param>
/// <param name="ExportId">The export.</param>
/// <param name="Owner">The worker that claimed it.</param>
/// <param name="Attempt">Which claim of the export this is (1 for the first); it fences out older claims.</param>
/// <param name="ExpiresAt">When the claim runs out unless renewed.</param>
public sealed record ExportLease(string AppId, string ExportId, string Owner, int Attempt, DateTimeOffset ExpiresAt);

using VoucherExport.Registry;

namespace VoucherExport.Tests.Faults;

/// <summary>
/// An in-memory export store whose writes (claims, renewals with progress, finishes, updates, releases) fail from the
/// Nth call on, a given number of times, like a database that drops connections for a while.
/// </summary>
internal sealed class FaultyExportStore(int failAtWrite, int times, Func<Exception>? error = null) : IExportStore
{
    private readonly Func<Exception> _error = error ?? (() => new IOException("connection to the export store reset (injected)"));
    private int _writes;
    private int _fired;

    public InMemoryExportStore Inner { get; } = new();

    /// <summary>Write calls seen so far.</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Faults injected so far.</summary>
    public int Fired => Math.Min(Volatile.Read(ref _fired), times);

    public bool IsShared => Inner.IsShared;

    public ValueTask AddAsync(ExportJob job, CancellationToken cancellationToken) => Inner.AddAsync(job, cancellationToken);

    public ValueTask<ExportJob?> GetAsync(string appId, string exportId, CancellationToken cancellationToken) =>
        Inner.GetAsync(appId, exportId, cancellationToken);

    public ValueTask<ExportPage> ListAsync(string appId, int limit, int page, ExportListOrder order, CancellationToken cancellationToken) =>
        Inner.ListAsync(appId, limit, page, order, cancellationToken);

    public ValueTask<bool> RemoveAsync(string appId, string exportId, CancellationToken cancellationToken) =>
        Inner.RemoveAsync(appId, exportId, cancellationToken);

    public ValueTask<bool> TryUpdateAsync(ExportJob updated, ExportStatus expected, CancellationToken cancellationToken)
    {
        Write();
        return Inner.TryUpdateAsync(updated, expected, cancellationToken);
    }

    public ValueTask<ExportClaim?> TryClaimAsync(string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        Write();
        return Inner.TryClaimAsync(owner, now, leaseDuration, cancellationToken);
    }

    public ValueTask<bool> TryRenewAsync(
        ExportLease lease, DateTimeOffset now, TimeSpan leaseDuration, ExportProgress progress, CancellationToken cancellationToken)
    {
        Write();
        return Inner.TryRenewAsync(lease, now, leaseDuration, progress, cancellationToken);
    }

    public ValueTask<bool> TryFinishAsync(ExportJob updated, ExportLease lease, CancellationToken cancellationToken)
    {
        Write();
        return Inner.TryFinishAsync(updated, lease, cancellationToken);
    }

    public ValueTask ReleaseAsync(ExportLease lease, CancellationToken cancellationToken)
    {
        Write();
        return Inner.ReleaseAsync(lease, cancellationToken);
    }

    private void Write()
    {
        if (Interlocked.Increment(ref _writes) >= failAtWrite && Interlocked.Increment(ref _fired) <= times)
        {
            throw _error();
        }
    }
}

namespace VoucherExport.Registry;

/// <summary>
/// Where the registry keeps its exports. Updates are compare-and-set on the status, so two workers can never both move
/// the same export, and a final state can never be overwritten.
/// </summary>
public interface IExportStore
{
    /// <summary>Adds a new export; its id must be new.</summary>
    ValueTask AddAsync(ExportJob job, CancellationToken cancellationToken);

    /// <summary>The export <paramref name="exportId"/> of <paramref name="appId"/>, or null when that application has none.</summary>
    ValueTask<ExportJob?> GetAsync(string appId, string exportId, CancellationToken cancellationToken);

    /// <summary>A page (1-based) of the application's exports in <paramref name="order"/>.</summary>
    ValueTask<ExportPage> ListAsync(string appId, int limit, int page, ExportListOrder order, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the export with <paramref name="updated"/> if its stored status is still <paramref name="expected"/> and the
    /// move is allowed by <see cref="ExportStateMachine"/>; returns whether it did.
    /// </summary>
    ValueTask<bool> TryUpdateAsync(ExportJob updated, ExportStatus expected, CancellationToken cancellationToken);

    /// <summary>Removes the export; returns whether it existed.</summary>
    ValueTask<bool> RemoveAsync(string appId, string exportId, CancellationToken cancellationToken);
}

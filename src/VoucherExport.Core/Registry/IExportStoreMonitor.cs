namespace VoucherExport.Registry;

/// <summary>
/// What an operator's view needs from an <see cref="IExportStore"/> beyond the API's own calls: exports of several
/// applications with their run details, and the queue at a glance. A store shared by several instances answers for all
/// of them, so every instance shows the same picture.
/// </summary>
public interface IExportStoreMonitor
{
    /// <summary>
    /// The newest <paramref name="limit"/> exports (newest first) of <paramref name="appIds"/>, or of every application when
    /// it is null, each with its lease and timing.
    /// </summary>
    ValueTask<IReadOnlyList<ExportRecord>> ListRecentAsync(
        IReadOnlyCollection<string>? appIds, int limit, CancellationToken cancellationToken);

    /// <summary>The queue and the running exports of <paramref name="appIds"/> (every application when null) at <paramref name="now"/>.</summary>
    ValueTask<ExportStoreOverview> GetOverviewAsync(
        IReadOnlyCollection<string>? appIds, DateTimeOffset now, CancellationToken cancellationToken);
}

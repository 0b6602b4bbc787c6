namespace VoucherExport.Registry;

/// <summary>
/// An <see cref="IExportStore"/> that tells when its exports change (one is added, handed back or ends — by any
/// registry sharing it), so idle workers claim new work at once and waits end at once, instead of polling every
/// <see cref="ExportRegistryOptions.PollInterval"/>. Leases that run out are still found by polling (nobody announces a
/// dead worker), every <see cref="ExportRegistryOptions.LeaseDuration"/> / 4.
/// </summary>
public interface IExportChangeFeed
{
    /// <summary>
    /// Calls <paramref name="changed"/> on every change until <paramref name="cancellationToken"/> is cancelled; also
    /// whenever changes may have been missed (e.g. after a lost connection). Completes when cancelled; never throws for a
    /// lost connection (it tries again).
    /// </summary>
    Task ListenAsync(Action changed, CancellationToken cancellationToken);
}

namespace VoucherExport.Registry;

/// <summary>Told once when an export reaches a final state (<c>DONE</c> or <c>ERROR</c>); e.g. a webhook.</summary>
public interface IExportCompletionListener
{
    /// <summary>
    /// Called after the final state is stored. A listener that throws does not change the export; the registry logs it.
    /// </summary>
    Task OnCompletedAsync(string appId, ExportObject export, CancellationToken cancellationToken);
}

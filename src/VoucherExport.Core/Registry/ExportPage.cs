namespace VoucherExport.Registry;

/// <summary>One page of an application's exports.</summary>
/// <param name="Exports">The exports on the page.</param>
/// <param name="Total">How many exports the application has in all.</param>
public sealed record ExportPage(IReadOnlyList<ExportObject> Exports, int Total);

using VoucherExport.Chunks;
using VoucherExport.Csv;

namespace VoucherExport.Registry;

/// <summary>An export as a store keeps it: the export object, who owns it, and how its files are written.</summary>
/// <param name="AppId">The application that created it; only that application sees it.</param>
/// <param name="Export">The export object in its current state.</param>
/// <param name="Csv">The CSV dialect of its files.</param>
/// <param name="Chunks">The chunk limits of its files.</param>
public sealed record ExportJob(string AppId, ExportObject Export, CsvFormat Csv, ChunkLimits Chunks)
{
    /// <summary>Set when this job is one range task of a split export (null: an export an application created).</summary>
    public ExportRangeTask? RangeTask { get; init; }
}

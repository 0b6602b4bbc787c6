namespace VoucherExport.Registry;

/// <summary>How far a running export has come.</summary>
/// <param name="Rows">Records written.</param>
/// <param name="Bytes">Bytes written, headers included.</param>
/// <param name="Chunks">Chunks started.</param>
public readonly record struct ExportProgress(long Rows, long Bytes, int Chunks)
{
    /// <summary>
    /// The stage the run is in: <c>sort</c> (reading and ordering the rows; nothing written yet) or <c>write</c>; null when
    /// not reported (e.g. progress read back from a store that keeps only the figures).
    /// </summary>
    public string? Phase { get; init; }

    /// <summary>The rows the export will hold in all, once known (after the sort); null while unknown.</summary>
    public long? TotalRows { get; init; }
}

namespace VoucherExport.Registry;

/// <summary>The <c>result</c> of a <c>DONE</c> export.</summary>
/// <param name="Url">
/// The whole export: the chunk's URL when there is one chunk, else the manifest's (hosts such as the server
/// replace it with their own download URL).
/// </param>
/// <param name="Chunks">The chunks, in order.</param>
/// <param name="Rows">Total records.</param>
/// <param name="Bytes">Total stored bytes, headers included.</param>
public sealed record ExportResultInfo(string? Url, IReadOnlyList<ExportChunk> Chunks, long Rows, long Bytes)
{
    /// <summary>
    /// Malformed ledger rows left out under <see cref="Transactions.MalformedRowPolicy.Skip"/> (<c>skipped_rows</c>, written
    /// only when not 0); always 0 under the default policy, where a malformed row fails the export.
    /// </summary>
    public long SkippedRows { get; init; }
}

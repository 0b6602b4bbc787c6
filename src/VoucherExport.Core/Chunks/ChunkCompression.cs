namespace VoucherExport.Chunks;

/// <summary>How each chunk is stored.</summary>
public enum ChunkCompression
{
    /// <summary>Plain CSV: <c>part-00001.csv</c>.</summary>
    None,

    /// <summary>
    /// One gzip member per chunk (RFC 1952): <c>part-00001.csv.gz</c>. The byte limit applies to the compressed bytes,
    /// and the manifest's <c>sha256</c> is that of the stored, compressed bytes.
    /// </summary>
    Gzip,
}

namespace VoucherExport.LoadTest;

/// <summary>
/// What the server must serve for one template, computed by the engine in this process: the whole CSV (from an unchunked
/// run, so the server's chunk concatenation is checked against an independent result), each chunk, and their hashes.
/// </summary>
/// <param name="Whole">The bytes of <c>result.url</c>.</param>
/// <param name="Chunks">The bytes of <c>result.chunks[i].url</c>, in order.</param>
/// <param name="ChunkSha256">Lowercase hex SHA-256 of each chunk, as the manifest must list it.</param>
/// <param name="Rows">Records in the export.</param>
public sealed record ExpectedExport(byte[] Whole, byte[][] Chunks, string[] ChunkSha256, long Rows)
{
    /// <summary>Bytes of all chunks, headers included (the export's <c>result.bytes</c>).</summary>
    public long ChunkBytes => Chunks.Sum(c => (long)c.Length);
}

namespace VoucherExport.Chunks;

/// <summary>One published chunk, as the manifest lists it.</summary>
/// <param name="Name">The file name, e.g. <c>part-00001.csv</c>.</param>
/// <param name="Rows">Records in the chunk (header not counted).</param>
/// <param name="Bytes">Stored bytes, header included.</param>
/// <param name="Sha256">Lowercase hex SHA-256 of the stored bytes.</param>
/// <param name="FirstCreatedAt">created_at of the first record, or null for an empty chunk.</param>
/// <param name="LastCreatedAt">created_at of the last record, or null for an empty chunk.</param>
/// <param name="Oversize">The chunk holds one record that could not fit the byte limit together with the header.</param>
public sealed record ChunkInfo(
    string Name,
    long Rows,
    long Bytes,
    string Sha256,
    DateTimeOffset? FirstCreatedAt,
    DateTimeOffset? LastCreatedAt,
    bool Oversize)
{
    /// <summary>The chunk's name for a 1-based index: <c>part-00001.csv</c>.</summary>
    public static string NameFor(int index) => $"part-{index:D5}.csv";
}

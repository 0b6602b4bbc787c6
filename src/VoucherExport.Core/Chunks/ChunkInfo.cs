namespace VoucherExport.Chunks;

/// <summary>One published chunk, as the manifest lists it.</summary>
/// <param name="Name">The file name, e.g. <c>part-00001.csv</c> (<c>part-00001.csv.gz</c> when compressed).</param>
/// <param name="Rows">Records in the chunk (header not counted).</param>
/// <param name="Bytes">Stored bytes, header included (compressed bytes for a compressed chunk).</param>
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
    /// <summary>
    /// The CSV bytes of a compressed chunk before compression, header included; null for a chunk stored as plain CSV,
    /// whose CSV size is <see cref="Bytes"/>.
    /// </summary>
    public long? UncompressedBytes { get; init; }

    /// <summary>
    /// The <c>id</c> of the chunk's last record (with <see cref="LastCreatedAt"/>, where a resumed export goes on from);
    /// null for an empty chunk, or when not known. Kept by the registry's chunk records, not written to the manifest.
    /// </summary>
    public string? LastId { get; init; }

    /// <summary>
    /// Where the rows after this chunk start in the ledger it was read from: the byte offset just past the line of its last
    /// record, for a JSON Lines file read in its declared order (null for other sources, or when not known). A resumed
    /// export seeks there instead of reading the file again from its start (docs/resume.md). Kept by the registry's chunk
    /// records, not written to the manifest.
    /// </summary>
    public long? SourceOffset { get; init; }

    /// <summary>
    /// Whether <paramref name="other"/> is the same published chunk: every field but <see cref="LastId"/> and
    /// <see cref="SourceOffset"/>, which the manifest does not carry.
    /// </summary>
    public bool Equals(ChunkInfo? other) =>
        other is not null
        && Name == other.Name && Rows == other.Rows && Bytes == other.Bytes && Sha256 == other.Sha256
        && FirstCreatedAt == other.FirstCreatedAt && LastCreatedAt == other.LastCreatedAt && Oversize == other.Oversize
        && UncompressedBytes == other.UncompressedBytes;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Rows, Bytes, Sha256, LastCreatedAt, UncompressedBytes);

    /// <summary>The size of the chunk's CSV, header included: <see cref="UncompressedBytes"/> when compressed, else <see cref="Bytes"/>.</summary>
    public long CsvBytes => UncompressedBytes ?? Bytes;

    /// <summary>Whether the chunk is stored gzip-compressed (its name ends in <c>.csv.gz</c>).</summary>
    public bool IsGzip => ChunkNames.IsGzip(Name);

    /// <summary>
    /// The chunk's name for a 1-based index: <c>part-00001.csv</c> to <c>part-99999.csv</c>, then <c>part-a100000.csv</c>
    /// (six digits), <c>part-b1000000.csv</c> (seven), …: the letter says how many digits follow, so names keep sorting in
    /// chunk order byte by byte (as S3 lists keys and <c>ls</c> lists files in the C locale) past 99,999 chunks.
    /// </summary>
    public static string NameFor(int index) => ChunkNames.Stem(index) + ".csv";

    /// <summary>The chunk's name for a 1-based index when stored with <paramref name="compression"/>: <c>part-00001.csv.gz</c> for gzip.</summary>
    public static string NameFor(int index, ChunkCompression compression) => NameFor(index, compression, task: 0);

    /// <summary>
    /// The name of chunk <paramref name="index"/> of range task <paramref name="task"/> of a split export
    /// (<c>part-00003-00001.csv</c>); task 0 is an export that is not split (<see cref="NameFor(int, ChunkCompression)"/>).
    /// </summary>
    public static string NameFor(int index, ChunkCompression compression, int task)
        => ChunkNames.Stem(index, task) + (compression == ChunkCompression.Gzip ? ChunkNames.GzipSuffix : ".csv");
}

namespace VoucherExport.Chunks;

/// <summary>
/// How large a chunk may grow (SPEC §5), and how it is stored. The header counts toward the byte limit; with
/// compression the limit applies to the stored (compressed) bytes.
/// </summary>
public sealed record ChunkLimits
{
    /// <summary>64 MiB: large enough to keep the chunk count low, small enough for a spreadsheet and one HTTP request.</summary>
    public const long DefaultMaxChunkBytes = 64L * 1024 * 1024;

    /// <summary>The most bytes a chunk holds, header included, unless one record alone is larger.</summary>
    public long MaxChunkBytes { get; init; } = DefaultMaxChunkBytes;

    /// <summary>The most records a chunk holds, or null for no row limit.</summary>
    public long? MaxChunkRows { get; init; }

    /// <summary>
    /// zlib level 6, gzip's own default: on export CSV it stores about as small as level 9 at a fraction of its time,
    /// and much smaller than level 1 (figures in docs/csv-format.md).
    /// </summary>
    public const int DefaultCompressionLevel = 6;

    /// <summary>The lowest zlib level accepted; level 0 would store the CSV uncompressed inside gzip framing.</summary>
    public const int MinCompressionLevel = 1;

    /// <summary>The highest zlib level.</summary>
    public const int MaxCompressionLevel = 9;

    /// <summary>
    /// How each chunk is stored; default <see cref="ChunkCompression.None"/>, plain CSV, since every consumer can open it.
    /// </summary>
    public ChunkCompression Compression { get; init; } = ChunkCompression.None;

    /// <summary>
    /// The zlib level (<see cref="MinCompressionLevel"/> to <see cref="MaxCompressionLevel"/>) of compressed chunks;
    /// fixed per export so the same export gives the same bytes. Ignored without compression.
    /// </summary>
    public int CompressionLevel { get; init; } = DefaultCompressionLevel;

    /// <summary>The defaults.</summary>
    public static ChunkLimits Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a limit below 1, an unknown compression or a level out of range.</summary>
    public ChunkLimits Validate()
    {
        if (MaxChunkBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxChunkBytes), MaxChunkBytes, "max_chunk_bytes must be at least 1");
        }

        if (MaxChunkRows is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxChunkRows), MaxChunkRows, "max_chunk_rows must be at least 1");
        }

        if (!Enum.IsDefined(Compression))
        {
            throw new ArgumentOutOfRangeException(nameof(Compression), Compression, "compression must be None or Gzip");
        }

        if (CompressionLevel is < MinCompressionLevel or > MaxCompressionLevel)
        {
            throw new ArgumentOutOfRangeException(
                nameof(CompressionLevel),
                CompressionLevel,
                $"the compression level must be between {MinCompressionLevel} and {MaxCompressionLevel}");
        }

        return this;
    }
}

namespace VoucherExport.Chunks;

/// <summary>How large a chunk may grow (SPEC §5). The header counts toward the byte limit.</summary>
public sealed record ChunkLimits
{
    /// <summary>64 MiB: large enough to keep the chunk count low, small enough for a spreadsheet and one HTTP request.</summary>
    public const long DefaultMaxChunkBytes = 64L * 1024 * 1024;

    /// <summary>The most bytes a chunk holds, header included, unless one record alone is larger.</summary>
    public long MaxChunkBytes { get; init; } = DefaultMaxChunkBytes;

    /// <summary>The most records a chunk holds, or null for no row limit.</summary>
    public long? MaxChunkRows { get; init; }

    /// <summary>The defaults.</summary>
    public static ChunkLimits Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a limit below 1.</summary>
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

        return this;
    }
}

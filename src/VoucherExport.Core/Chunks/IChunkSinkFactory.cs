namespace VoucherExport.Chunks;

/// <summary>Makes the <see cref="IChunkSink"/> of each export.</summary>
public interface IChunkSinkFactory
{
    /// <summary>The sink of export <paramref name="exportId"/>.</summary>
    IChunkSink Create(string exportId);

    /// <summary>
    /// Throws <see cref="ChunkStoreLimitException"/> when chunks of <paramref name="limits"/> cannot be stored here (a
    /// store with a most object size or part count); the engine asks before the first row. The default accepts any, so a
    /// factory that wraps another must forward this call.
    /// </summary>
    void CheckLimits(ChunkLimits limits)
    {
    }
}

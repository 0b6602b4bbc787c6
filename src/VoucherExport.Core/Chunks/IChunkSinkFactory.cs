namespace VoucherExport.Chunks;

/// <summary>Makes the <see cref="IChunkSink"/> of each export.</summary>
public interface IChunkSinkFactory
{
    /// <summary>The sink of export <paramref name="exportId"/>.</summary>
    IChunkSink Create(string exportId);
}

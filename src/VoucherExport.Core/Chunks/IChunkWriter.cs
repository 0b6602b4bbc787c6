namespace VoucherExport.Chunks;

/// <summary>
/// One chunk being written. Nothing of it is visible until <see cref="CommitAsync"/> returns;
/// disposing it without a commit discards everything written.
/// </summary>
public interface IChunkWriter : IAsyncDisposable
{
    /// <summary>Appends bytes to the chunk.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Makes the whole chunk visible under its name, at once.</summary>
    ValueTask CommitAsync(CancellationToken cancellationToken);
}

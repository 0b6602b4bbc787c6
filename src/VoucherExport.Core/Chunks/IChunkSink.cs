namespace VoucherExport.Chunks;

/// <summary>Where the chunks and the manifest of one export are stored.</summary>
public interface IChunkSink
{
    /// <summary>Starts a chunk named <paramref name="name"/>; it stays invisible until committed.</summary>
    ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken);

    /// <summary>Stores <c>manifest.json</c> beside the chunks, visible at once when complete.</summary>
    ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <c>manifest.json</c> unless one is stored already; false (and nothing changed) when one is. An export's
    /// manifest is written once: a stale attempt that wakes after another attempt finished cannot replace it. The default
    /// cannot tell, and replaces it (<see cref="WriteManifestAsync"/>); a sink that can make the write conditional must.
    /// </summary>
    async ValueTask<bool> TryCreateManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken)
    {
        await WriteManifestAsync(manifestJson, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Opens a committed chunk (or <c>manifest.json</c>) for reading.</summary>
    ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken);

    /// <summary>Removes everything this export stored, committed or not. Safe to call more than once.</summary>
    ValueTask DeleteAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Removes what an earlier writer left uncommitted (a killed process's temporary file, an open multipart upload),
    /// keeping every committed chunk. A resumed export calls it before it writes: a stale writer's upload, aborted here,
    /// can no longer be completed over the new attempt's chunks. The default does nothing (a sink with nothing to clean).
    /// </summary>
    ValueTask DeleteUncommittedAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// Removes what an earlier writer left uncommitted of the chunks whose names start with <paramref name="namePrefix"/>
    /// only (one range task's, <c>part-00003-</c>), leaving other writers' uploads in flight. The default cleans
    /// everything uncommitted (<see cref="DeleteUncommittedAsync(CancellationToken)"/>), which a sink that can tell its
    /// writers apart must narrow.
    /// </summary>
    ValueTask DeleteUncommittedAsync(string namePrefix, CancellationToken cancellationToken) => DeleteUncommittedAsync(cancellationToken);

    /// <summary>Where a committed chunk can be fetched (a <c>file://</c> or <c>https://</c> URL), or null when it has no address.</summary>
    string? GetUrl(string name);
}

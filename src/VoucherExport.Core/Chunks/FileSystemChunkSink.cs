using System.Security.Cryptography;

namespace VoucherExport.Chunks;

/// <summary>
/// The files of one export in one folder. Everything is written under a hidden temporary name and renamed into place
/// when complete; the folder itself appears with the first file.
/// </summary>
internal sealed class FileSystemChunkSink : IChunkSink
{
    public FileSystemChunkSink(string directory) => Directory = directory;

    /// <summary>The export's folder.</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken)
    {
        ChunkNames.ThrowIfNotChunk(name, nameof(name));
        cancellationToken.ThrowIfCancellationRequested();
        System.IO.Directory.CreateDirectory(Directory);
        string temporary = TemporaryPath(name);
        FileStream stream = OpenTemporary(temporary);
        return ValueTask.FromResult<IChunkWriter>(new FileSystemChunkWriter(stream, temporary, FinalPath(name)));
    }

    /// <inheritdoc />
    public async ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken) =>
        await StoreManifestAsync(manifestJson, replace: true, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>The staged manifest is renamed without overwrite, so of two writers only the first is stored.</remarks>
    public ValueTask<bool> TryCreateManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken) =>
        StoreManifestAsync(manifestJson, replace: false, cancellationToken);

    private async ValueTask<bool> StoreManifestAsync(ReadOnlyMemory<byte> manifestJson, bool replace, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string temporary = TemporaryPath(ChunkNames.Manifest);
        bool moved = false;
        try
        {
            FileStream stream = OpenTemporary(temporary);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(manifestJson, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            // The rename is atomic either way.
            try
            {
                File.Move(temporary, FinalPath(ChunkNames.Manifest), overwrite: replace);
            }
            catch (IOException) when (!replace && File.Exists(FinalPath(ChunkNames.Manifest)))
            {
                return false;
            }

            moved = true;
            return true;
        }
        finally
        {
            if (!moved)
            {
                DeleteQuietly(temporary);
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        ChunkNames.ThrowIfNotStored(name, nameof(name));
        cancellationToken.ThrowIfCancellationRequested();
        var stream = new FileStream(FinalPath(name), new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read | FileShare.Delete,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
        return ValueTask.FromResult<Stream>(stream);
    }

    /// <inheritdoc />
    public ValueTask DeleteAllAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone, or never created: deleting is idempotent.
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>Deletes the hidden <c>.name.random.tmp</c> files chunk writers stage in (a committed chunk is renamed from one).</remarks>
    public ValueTask DeleteUncommittedAsync(CancellationToken cancellationToken) => DeleteUncommittedAsync(string.Empty, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Deletes the hidden staging files of chunks whose names start with <paramref name="namePrefix"/>.</remarks>
    public ValueTask DeleteUncommittedAsync(string namePrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(namePrefix);
        if (namePrefix.AsSpan().ContainsAny("/\\*?") || namePrefix.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{namePrefix}' is not the start of a chunk name", nameof(namePrefix));
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!System.IO.Directory.Exists(Directory))
        {
            return ValueTask.CompletedTask;
        }

        foreach (string staged in System.IO.Directory.EnumerateFiles(Directory, "." + namePrefix + "*.tmp"))
        {
            try
            {
                File.Delete(staged);
            }
            catch (FileNotFoundException)
            {
                // Committed or removed meanwhile.
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public string? GetUrl(string name)
    {
        ChunkNames.ThrowIfNotStored(name, nameof(name));
        return new Uri(FinalPath(name)).AbsoluteUri;
    }

    internal static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort on a path that is already failing; a leftover hidden .tmp never shows under a final name.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    private static FileStream OpenTemporary(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.CreateNew,
        Access = FileAccess.Write,
        Share = FileShare.None,

        // Writes arrive as large slices of the staging buffer, so a FileStream buffer would only add a copy.
        BufferSize = 0,
        Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
    });

    private string FinalPath(string name) => Path.Join(Directory, name);

    // Hidden (leading dot) and suffixed, so listings and globs for part-*.csv never pick up a chunk in progress.
    private string TemporaryPath(string name)
        => Path.Join(Directory, $".{name}.{RandomNumberGenerator.GetHexString(12, lowercase: true)}.tmp");
}

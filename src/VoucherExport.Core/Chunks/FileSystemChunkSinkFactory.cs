namespace VoucherExport.Chunks;

/// <summary>
/// Stores each export under <c>root/&lt;export id&gt;/</c>: chunks are written to a hidden temporary name and renamed
/// when complete, so a reader never sees half a chunk.
/// </summary>
public sealed class FileSystemChunkSinkFactory : IChunkSinkFactory
{
    /// <summary>Stores exports below <paramref name="rootDirectory"/> (created when missing).</summary>
    public FileSystemChunkSinkFactory(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        RootDirectory = Path.GetFullPath(rootDirectory);
        Directory.CreateDirectory(RootDirectory);
    }

    /// <summary>The folder exports are stored below.</summary>
    public string RootDirectory { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="exportId"/> is not 1–128 of <c>[A-Za-z0-9_-]</c>.</exception>
    public IChunkSink Create(string exportId)
    {
        ChunkNames.ThrowIfBadExportId(exportId, nameof(exportId));
        return new FileSystemChunkSink(Path.Join(RootDirectory, exportId));
    }
}

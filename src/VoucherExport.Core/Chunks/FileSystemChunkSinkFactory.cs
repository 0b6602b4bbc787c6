namespace VoucherExport.Chunks;

/// <summary>
/// Stores each export under <c>root/&lt;export id&gt;/</c>: chunks are written to a hidden temporary name and renamed
/// when complete, so a reader never sees half a chunk.
/// </summary>
public sealed class FileSystemChunkSinkFactory : IChunkSinkFactory
{
    /// <summary>Stores exports below <paramref name="rootDirectory"/> (created when missing).</summary>
    public FileSystemChunkSinkFactory(string rootDirectory) => throw new NotImplementedException();

    /// <summary>The folder exports are stored below.</summary>
    public string RootDirectory => throw new NotImplementedException();

    /// <inheritdoc />
    public IChunkSink Create(string exportId) => throw new NotImplementedException();
}

namespace VoucherExport.Cli;

/// <summary>Writes a file under a temporary name and renames it when complete, so no half file is ever visible.</summary>
internal static class AtomicFile
{
    public static async Task WriteAsync(string path, Action<Stream> write, CancellationToken cancellationToken)
    {
        string? dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        string temp = Path.Combine(dir ?? ".", $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await Task.Run(() =>
            {
                using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                write(stream);
                stream.Flush(flushToDisk: true);
            }, cancellationToken);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}

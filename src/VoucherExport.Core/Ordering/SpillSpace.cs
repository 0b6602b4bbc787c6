namespace VoucherExport.Ordering;

/// <summary>The temporary folder of one sort, created on first use, and the bytes of runs it holds against the limit.</summary>
internal sealed class SpillSpace
{
    private readonly string _parent;
    private readonly long? _limit;
    private string? _folder;
    private int _files;

    public SpillSpace(SortOptions options)
    {
        _parent = options.TempFolder ?? Path.GetTempPath();
        _limit = options.MaxSpillBytes;
    }

    /// <summary>The folder, once a run was written; null while everything fits in memory.</summary>
    public string? Folder => _folder;

    /// <summary>Bytes of runs on disk now.</summary>
    public long BytesOnDisk { get; private set; }

    /// <summary>The path of a new run file, creating the sort's folder on first use.</summary>
    public string NextFile()
    {
        if (_folder is null)
        {
            // A folder of its own per sort: concurrent exports never meet, and cleaning up is one recursive delete.
            string folder = Path.Combine(_parent, "voucher-export-sort-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(folder);
            _folder = folder;
        }

        return Path.Combine(_folder, $"run-{++_files:D6}.bin");
    }

    /// <summary>Counts <paramref name="bytes"/> about to be written; throws <see cref="ExportSortLimitException"/> past the limit.</summary>
    public void Reserve(long bytes)
    {
        if (_limit is { } limit && BytesOnDisk + bytes > limit)
        {
            throw new ExportSortLimitException(limit, _folder ?? _parent);
        }

        BytesOnDisk += bytes;
    }

    /// <summary>Forgets a run file that was deleted.</summary>
    public void Release(long bytes) => BytesOnDisk -= bytes;

    /// <summary>Deletes the folder and every run in it. Never throws: cleaning up must not hide why the sort ended.</summary>
    public void DeleteAll()
    {
        if (_folder is null)
        {
            return;
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
            // Best effort: a file still open elsewhere (a virus scanner on Windows) is left for the OS temp cleaner.
        }
        catch (UnauthorizedAccessException)
        {
        }

        BytesOnDisk = 0;
    }
}

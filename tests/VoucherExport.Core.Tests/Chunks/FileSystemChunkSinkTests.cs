using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Tests.Csv;

namespace VoucherExport.Tests.Chunks;

public sealed class FileSystemChunkSinkTests : ChunkSinkContractTests, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "voucherexport-tests", Guid.NewGuid().ToString("N"));
    private readonly FileSystemChunkSinkFactory _factory;

    public FileSystemChunkSinkTests() => _factory = new FileSystemChunkSinkFactory(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    protected override IChunkSink CreateSink() => _factory.Create("exp_" + Guid.NewGuid().ToString("N"));

    private string Folder(string exportId) => Path.Combine(_root, exportId);

    private static string[] Listing(string folder)
        => Directory.Exists(folder) ? [.. Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal)!] : [];

    [Fact]
    public void TheRootIsCreatedAndTheExportFolderOnlyWithItsFirstFile()
    {
        Assert.True(Directory.Exists(_root));
        Assert.Equal(Path.GetFullPath(_root), _factory.RootDirectory);
        _factory.Create("exp_lazy");
        Assert.False(Directory.Exists(Folder("exp_lazy")));
    }

    [Fact]
    public async Task AChunkInProgressHasOnlyAHiddenTemporaryName()
    {
        var sink = _factory.Create("exp_1");
        await using var chunk = await sink.CreateChunkAsync("part-00001.csv", default);
        await chunk.WriteAsync("a\r\n"u8.ToArray(), default);

        string temporary = Assert.Single(Listing(Folder("exp_1")));
        Assert.StartsWith(".part-00001.csv.", temporary, StringComparison.Ordinal);
        Assert.EndsWith(".tmp", temporary, StringComparison.Ordinal);

        await chunk.CommitAsync(default);
        Assert.Equal(["part-00001.csv"], Listing(Folder("exp_1")));
        Assert.Equal("a\r\n"u8.ToArray(), await File.ReadAllBytesAsync(Path.Combine(Folder("exp_1"), "part-00001.csv")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ALargeChunkIsFlushedToDiskWhileItIsWrittenAndKeepsItsBytes(bool commit)
    {
        // A tiny early-flush threshold, so a chunk of a few hundred bytes is flushed to disk while it is written.
        string folder = Folder("exp_flush");
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, ".part-00001.csv.test.tmp"), final = Path.Combine(folder, "part-00001.csv");
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
        var chunk = new FileSystemChunkWriter(stream, temporary, final, earlyFlushBytes: 64);
        var expected = new List<byte>();
        for (int i = 0; i < 200; i++)
        {
            byte[] record = System.Text.Encoding.ASCII.GetBytes($"row {i},{new string('x', i % 17)}\r\n");
            expected.AddRange(record);
            await chunk.WriteAsync(record, default);
        }

        if (commit)
        {
            await chunk.CommitAsync(default);
        }

        await chunk.DisposeAsync();
        // The first flush starts when the threshold is first reached; later ones only once the one before has ended.
        Assert.InRange(chunk.EarlyFlushes, 1, 200);
        if (commit)
        {
            Assert.Equal(expected.ToArray(), await File.ReadAllBytesAsync(final));
            Assert.Equal(["part-00001.csv"], Listing(folder));
        }
        else
        {
            Assert.Empty(Listing(folder));
        }
    }

    [Fact]
    public async Task DiscardingDeletesTheTemporaryFile()
    {
        var sink = _factory.Create("exp_2");
        var chunk = await sink.CreateChunkAsync("part-00001.csv", default);
        await chunk.WriteAsync("a\r\n"u8.ToArray(), default);
        await chunk.DisposeAsync();
        Assert.Empty(Listing(Folder("exp_2")));
    }

    [Fact]
    public async Task AFailedExportLeavesNoHalfChunk()
    {
        var sink = _factory.Create("exp_fail");
        var records = new CsvRecordWriter(CsvFormat.Default, TransactionFields.Default);
        var rows = Enumerable.Range(0, 20).Select(n => TestRows.Make(id: "vtx_" + n)).ToArray();
        var writer = new ChunkedCsvWriter(new ThrowingChunkSink(sink, failOnWrite: 5), new ChunkLimits { MaxChunkRows = 4 }, records, 64, 16);
        await Assert.ThrowsAsync<IOException>(() => writer.WriteAsync(rows, default).AsTask());
        await writer.DisposeAsync();

        // What is left is whole chunks only, each a complete CSV with its full row count.
        string[] left = Listing(Folder("exp_fail"));
        Assert.NotEmpty(left);
        Assert.All(left, name => Assert.Matches(@"^part-\d{5}\.csv$", name));
        foreach (var name in left)
        {
            var (_, read) = CsvReading.Read(await File.ReadAllBytesAsync(Path.Combine(Folder("exp_fail"), name)), ',');
            Assert.Equal(4, read.Count);
        }

        await sink.DeleteAllAsync(default);
        Assert.False(Directory.Exists(Folder("exp_fail")));
    }

    [Fact]
    public async Task DeleteAllRemovesTheFolderEvenWithAChunkInProgress()
    {
        var sink = _factory.Create("exp_3");
        await using var chunk = await sink.CreateChunkAsync("part-00001.csv", default);
        await chunk.WriteAsync("a"u8.ToArray(), default);
        await sink.DeleteAllAsync(default);
        Assert.False(Directory.Exists(Folder("exp_3")));
    }

    [Fact]
    public async Task UrlsPointAtTheFinalFiles()
    {
        var sink = _factory.Create("exp_url");
        await using (var chunk = await sink.CreateChunkAsync("part-00001.csv", default))
        {
            await chunk.WriteAsync("x"u8.ToArray(), default);
            await chunk.CommitAsync(default);
        }

        var url = new Uri(sink.GetUrl("part-00001.csv")!);
        Assert.Equal("file", url.Scheme);
        Assert.Equal(Path.Combine(Folder("exp_url"), "part-00001.csv"), url.LocalPath);
        Assert.Equal("x"u8.ToArray(), await File.ReadAllBytesAsync(url.LocalPath));
        Assert.EndsWith("/exp_url/manifest.json", sink.GetUrl("manifest.json"), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => sink.GetUrl("../x"));
    }

    [Fact]
    public async Task TheManifestIsWrittenThroughATemporaryName()
    {
        var sink = _factory.Create("exp_manifest");
        await sink.WriteManifestAsync("{}"u8.ToArray(), default);
        await sink.WriteManifestAsync("""{"a":1}"""u8.ToArray(), default);
        Assert.Equal(["manifest.json"], Listing(Folder("exp_manifest")));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("/abs")]
    [InlineData("")]
    [InlineData("exp 1")]
    [InlineData("exp.1")]
    [InlineData("exp\u00e91")]
    [InlineData("exp_\0")]
    public void ExportIdsThatCouldLeaveTheRootAreRejected(string exportId)
        => Assert.Throws<ArgumentException>(() => _factory.Create(exportId));

    [Fact]
    public void OverlongExportIdsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => _factory.Create(new string('a', 129)));
        Assert.NotNull(_factory.Create(new string('a', 128)));
        Assert.Throws<ArgumentNullException>(() => _factory.Create(null!));
        Assert.Throws<ArgumentException>(() => new FileSystemChunkSinkFactory(" "));
    }
}

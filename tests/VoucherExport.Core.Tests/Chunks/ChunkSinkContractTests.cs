using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Tests.Csv;

namespace VoucherExport.Tests.Chunks;

/// <summary>What every <see cref="IChunkSink"/> promises; each implementation runs these through a subclass.</summary>
public abstract class ChunkSinkContractTests
{
    protected abstract IChunkSink CreateSink();

    protected static async Task<byte[]> ReadAllAsync(IChunkSink sink, string name)
    {
        await using var stream = await sink.OpenReadAsync(name, default);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task AChunkIsInvisibleUntilCommitted()
    {
        var sink = CreateSink();
        await using var chunk = await sink.CreateChunkAsync("part-00001.csv", default);
        await chunk.WriteAsync("a,b\r\n"u8.ToArray(), default);
        await chunk.WriteAsync("1,2\r\n"u8.ToArray(), default);
        await Assert.ThrowsAsync<FileNotFoundException>(() => sink.OpenReadAsync("part-00001.csv", default).AsTask());

        await chunk.CommitAsync(default);
        Assert.Equal("a,b\r\n1,2\r\n"u8.ToArray(), await ReadAllAsync(sink, "part-00001.csv"));
    }

    [Fact]
    public async Task DisposingWithoutCommitDiscards()
    {
        var sink = CreateSink();
        var chunk = await sink.CreateChunkAsync("part-00001.csv", default);
        await chunk.WriteAsync("half"u8.ToArray(), default);
        await chunk.DisposeAsync();
        await chunk.DisposeAsync();
        await Assert.ThrowsAsync<FileNotFoundException>(() => sink.OpenReadAsync("part-00001.csv", default).AsTask());

        await using var again = await sink.CreateChunkAsync("part-00001.csv", default);
        await again.WriteAsync("whole"u8.ToArray(), default);
        await again.CommitAsync(default);
        Assert.Equal("whole"u8.ToArray(), await ReadAllAsync(sink, "part-00001.csv"));
    }

    [Fact]
    public async Task ACommittedChunkIsNeverReplaced()
    {
        var sink = CreateSink();
        await using var first = await sink.CreateChunkAsync("part-00001.csv", default);
        await using var second = await sink.CreateChunkAsync("part-00001.csv", default);
        await first.WriteAsync("first"u8.ToArray(), default);
        await second.WriteAsync("second"u8.ToArray(), default);
        await first.CommitAsync(default);
        await Assert.ThrowsAsync<IOException>(() => second.CommitAsync(default).AsTask());
        Assert.Equal("first"u8.ToArray(), await ReadAllAsync(sink, "part-00001.csv"));
    }

    [Fact]
    public async Task ACommittedChunkWrittenAgainWithTheSameBytesIsKeptAsItIs()
    {
        // A resumed export rewrites the chunk an earlier attempt committed but did not record: same rows, same bytes.
        var sink = CreateSink();
        for (int writer = 0; writer < 2; writer++)
        {
            await using var chunk = await sink.CreateChunkAsync("part-00001.csv", default);
            await chunk.WriteAsync("same bytes"u8.ToArray(), default);
            await chunk.CommitAsync(default);
        }

        Assert.Equal("same bytes"u8.ToArray(), await ReadAllAsync(sink, "part-00001.csv"));
        await using var other = await sink.CreateChunkAsync("part-00001.csv", default);
        await other.WriteAsync("same bytez"u8.ToArray(), default);
        await Assert.ThrowsAsync<IOException>(() => other.CommitAsync(default).AsTask());
        Assert.Equal("same bytes"u8.ToArray(), await ReadAllAsync(sink, "part-00001.csv"));
    }

    [Fact]
    public async Task ACommittedChunkTakesNoMoreWrites()
    {
        var sink = CreateSink();
        await using var chunk = await sink.CreateChunkAsync("part-00001.csv", default);
        await chunk.CommitAsync(default);
        await Assert.ThrowsAsync<InvalidOperationException>(() => chunk.WriteAsync("x"u8.ToArray(), default).AsTask());
        await Assert.ThrowsAsync<InvalidOperationException>(() => chunk.CommitAsync(default).AsTask());
        Assert.Empty(await ReadAllAsync(sink, "part-00001.csv"));
    }

    [Fact]
    public async Task TheManifestIsVisibleAtOnceAndCanBeRewritten()
    {
        var sink = CreateSink();
        await sink.WriteManifestAsync("""{"v":1}"""u8.ToArray(), default);
        await sink.WriteManifestAsync("""{"v":2}"""u8.ToArray(), default);
        Assert.Equal("""{"v":2}"""u8.ToArray(), await ReadAllAsync(sink, "manifest.json"));
    }

    [Fact]
    public async Task DeleteAllRemovesEverythingAndCanRepeat()
    {
        var sink = CreateSink();
        await sink.DeleteAllAsync(default);
        await using (var chunk = await sink.CreateChunkAsync("part-00001.csv", default))
        {
            await chunk.WriteAsync("x"u8.ToArray(), default);
            await chunk.CommitAsync(default);
        }

        await sink.WriteManifestAsync("{}"u8.ToArray(), default);
        await sink.DeleteAllAsync(default);
        await sink.DeleteAllAsync(default);
        await Assert.ThrowsAnyAsync<IOException>(() => sink.OpenReadAsync("part-00001.csv", default).AsTask());
        await Assert.ThrowsAnyAsync<IOException>(() => sink.OpenReadAsync("manifest.json", default).AsTask());
    }

    [Theory]
    [InlineData("../part-00001.csv")]
    [InlineData("part-1.csv")]
    [InlineData("part-0000a.csv")]
    [InlineData("part-00001.csv/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("")]
    [InlineData("manifest.json")]
    public async Task BadChunkNamesAreRejected(string name)
        => await Assert.ThrowsAsync<ArgumentException>(() => CreateSink().CreateChunkAsync(name, default).AsTask());

    [Theory]
    [InlineData("../manifest.json")]
    [InlineData("..")]
    [InlineData("part-00001.csv.tmp")]
    [InlineData(".part-00001.csv.0123456789ab.tmp")]
    public async Task OnlyStoredNamesCanBeRead(string name)
        => await Assert.ThrowsAsync<ArgumentException>(() => CreateSink().OpenReadAsync(name, default).AsTask());

    [Fact]
    public async Task AWholeExportRoundTrips()
    {
        var sink = CreateSink();
        await using var writer = new ChunkedCsvWriter(sink, new ChunkLimits { MaxChunkRows = 2 }, new CsvRecordWriter(CsvFormat.Default, TransactionFields.All), 16, 8);
        var rows = Enumerable.Range(0, 5).Select(n => TestRows.Make(id: "vtx_" + n, reason: "a \"b\", c\r\n" + n)).ToArray();
        await writer.WriteAsync(rows, default);
        var chunks = await writer.CompleteAsync(default);
        var stored = new List<byte[]>();
        foreach (var chunk in chunks)
        {
            stored.Add(await ReadAllAsync(sink, chunk.Name));
        }

        ChunkChecks.Verify(CsvFormat.Default, TransactionFields.All, rows, new ChunkLimits { MaxChunkRows = 2 }, chunks, stored);
    }
}

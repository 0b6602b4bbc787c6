using System.Text.Json;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Chunks;

public class GzipExportTests
{
    private static ExportRequest Request(ChunkLimits limits, int parallelism = 1) =>
        ExportRequest.For(new ExportParameters(ExportOrder.CreatedAtAscending, TransactionFields.All, null))
            with { Chunks = limits, Parallelism = parallelism };

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task AGzipExportOnDiskHasGzipChunksAManifestWithBothSizesAndNoLeftovers(int parallelism)
    {
        using var temp = new TempFolder();
        var limits = new ChunkLimits { MaxChunkBytes = 20_000, Compression = ChunkCompression.Gzip };
        var request = Request(limits, parallelism);
        ExportResult result = await ExportEngine.RunAsync(request, new InMemoryTransactionSource(Rows.Demo(3000), 101), new FileSystemChunkSinkFactory(temp.Path));

        string folder = Path.Combine(temp.Path, request.Export.Id);
        using JsonDocument manifest = ExportFiles.VerifyFolder(folder);
        Assert.Empty(Directory.GetFiles(folder, ".*", SearchOption.AllDirectories));
        Assert.True(result.Result.Chunks.Count > 1);
        Assert.Equal(result.Result.Chunks.Sum(c => c.Info.Bytes), result.Result.Bytes);

        var stored = result.Result.Chunks.Select(c => File.ReadAllBytes(Path.Combine(folder, c.Info.Name))).ToList();
        GzipChunkChecks.Verify(
            VoucherExport.Csv.CsvFormat.Default, TransactionFields.All, [.. Rows.Demo(3000).OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal)],
            limits, [.. result.Result.Chunks.Select(c => c.Info)], stored);

        // The manifest is the export object: both sizes per chunk, and it reads back to the same result.
        foreach (JsonElement chunk in manifest.RootElement.GetProperty("result").GetProperty("chunks").EnumerateArray())
        {
            Assert.True(chunk.GetProperty("uncompressed_bytes").GetInt64() > chunk.GetProperty("bytes").GetInt64());
        }

        ExportObject read = ExportJson.Read(File.ReadAllBytes(Path.Combine(folder, ExportEngine.ManifestName)));
        Assert.Equal(result.Result.Chunks.Select(c => c.Info), read.Result!.Chunks.Select(c => c.Info));
    }

    [Fact]
    public void ExportJsonKeepsBothSizesOfAGzipChunkAndRepeatsThePlainSize()
    {
        var gzip = new ChunkInfo("part-00001.csv.gz", 10, 300, new string('a', 64), null, null, false) { UncompressedBytes = 2_000 };
        var plain = new ChunkInfo("part-00002.csv", 10, 2_000, new string('b', 64), null, null, false);
        var export = new ExportObject
        {
            Id = ExportIds.NewId(),
            CreatedAt = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Parameters = ExportParameters.Default,
            Status = ExportStatus.Done,
            Result = new ExportResultInfo(null, [new ExportChunk(gzip, null), new ExportChunk(plain, null)], 20, 2_300),
        };

        byte[] json = ExportJson.ToUtf8(export);
        using var document = JsonDocument.Parse(json);
        var chunks = document.RootElement.GetProperty("result").GetProperty("chunks");
        Assert.Equal(2_000, chunks[0].GetProperty("uncompressed_bytes").GetInt64());
        Assert.Equal(300, chunks[0].GetProperty("bytes").GetInt64());
        Assert.Equal(2_000, chunks[1].GetProperty("uncompressed_bytes").GetInt64());

        ExportObject read = ExportJson.Read(json);
        Assert.Equal(gzip, read.Result!.Chunks[0].Info);
        Assert.Equal(plain, read.Result.Chunks[1].Info);
        Assert.Null(read.Result.Chunks[1].Info.UncompressedBytes);
        Assert.Equal(2_000, read.Result.Chunks[1].Info.CsvBytes);
    }

    [Fact]
    public async Task AFailureMidChunkLeavesNoGzipFileBehind()
    {
        using var temp = new TempFolder();
        var request = Request(new ChunkLimits { MaxChunkBytes = 20_000, Compression = ChunkCompression.Gzip });
        var failing = new FailingSource(Rows.Demo(3000), failAfter: 2000);
        await Assert.ThrowsAsync<IOException>(() => ExportEngine.RunAsync(request, failing, new FileSystemChunkSinkFactory(temp.Path)));
        Assert.Empty(Directory.GetFiles(temp.Path, "*", SearchOption.AllDirectories));
    }

    /// <summary>A source whose read fails after some rows, once chunks are already committed.</summary>
    private sealed class FailingSource(VoucherTransaction[] rows, int failAfter) : ITransactionSource
    {
        public SourcePushdown Plan(TransactionQuery query) => new(FiltersApplied: true, OrderApplied: true);

        public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
            TransactionQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            VoucherTransaction[] ordered = [.. rows.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal)];
            for (int i = 0; i < ordered.Length; i += 100)
            {
                if (i >= failAfter)
                {
                    throw new IOException("the ledger connection dropped (injected)");
                }

                await Task.Yield();
                yield return ordered.AsMemory(i, Math.Min(100, ordered.Length - i));
            }
        }
    }
}

using System.Runtime.InteropServices;
using System.Text;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

public class JsonLinesTransactionSourceTests
{
    private const string Good = """{"id":"vtx_1","type":"CREDITS_ADDITION","created_at":"2024-01-01T00:00:00Z"}""";

    private static readonly Lazy<(List<VoucherTransaction> Rows, byte[] Bytes)> s_demo = new(() =>
    {
        var ledger = new DemoLedger(300, 21);
        return (ledger.Transactions().ToList(), DemoLedgerTests.JsonLines(ledger));
    });

    [Theory]
    [InlineData(1, 16)]
    [InlineData(2, 16)]
    [InlineData(7, 16)]
    [InlineData(1024, 16)]
    [InlineData(1, 64 * 1024)]
    [InlineData(7, 64 * 1024)]
    [InlineData(1024, 64 * 1024)]
    public async Task BatchSizesAndBufferSizesGiveTheSameRows(int batchSize, int bufferBytes)
    {
        (List<VoucherTransaction> expected, byte[] bytes) = s_demo.Value;
        var sizes = new List<int>();

        List<VoucherTransaction> rows = await SourceReader.ReadAllAsync(Source(bytes, batchSize, bufferBytes), sizes);

        TransactionAssert.Equal(expected, rows);
        Assert.All(sizes.SkipLast(1), size => Assert.Equal(batchSize, size));
        Assert.Equal((expected.Count - 1) % batchSize + 1, sizes[^1]);
    }

    [Fact]
    public async Task ReadsTheSameRowsWhenTheStreamHandsOutOneByteAtATime()
    {
        (List<VoucherTransaction> expected, byte[] bytes) = s_demo.Value;
        var source = new JsonLinesTransactionSource(
            _ => ValueTask.FromResult<Stream>(new TrackingStream(bytes, maxReadBytes: 1)), "trickle",
            new JsonLinesSourceOptions { BatchSize = 5 });

        TransactionAssert.Equal(expected, await SourceReader.ReadAllAsync(source));
    }

    [Fact]
    public async Task ToleratesCrLfBlankLinesBomAndAMissingFinalNewline()
    {
        (List<VoucherTransaction> expected, byte[] bytes) = s_demo.Value;
        string[] lines = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var text = new StringBuilder("\uFEFF");
        for (int i = 0; i < lines.Length; i++)
        {
            text.Append(lines[i]).Append(i % 3 == 0 ? "\r\n" : "\n");
            if (i % 5 == 0)
            {
                text.Append(i % 2 == 0 ? "\n" : " \t \r\n");
            }
        }

        byte[] messy = Encoding.UTF8.GetBytes(text.ToString().TrimEnd());

        TransactionAssert.Equal(expected, await SourceReader.ReadAllAsync(Source(messy, 7, 16)));
    }

    [Fact]
    public async Task EmptyAndBlankFilesHaveNoRows()
    {
        Assert.Empty(await SourceReader.ReadAllAsync(Source([], 4, 16)));
        Assert.Empty(await SourceReader.ReadAllAsync(Source("\n\r\n  \n"u8.ToArray(), 4, 16)));
    }

    [Fact]
    public async Task BatchesReuseOneArray()
    {
        var arrays = new HashSet<VoucherTransaction[]>(ReferenceEqualityComparer.Instance);
        await foreach (ReadOnlyMemory<VoucherTransaction> batch in Source(s_demo.Value.Bytes, 10, 1024).ReadAsync(SourceReader.Query(), default))
        {
            Assert.True(MemoryMarshal.TryGetArray(batch, out ArraySegment<VoucherTransaction> segment));
            arrays.Add(segment.Array!);
        }

        Assert.Single(arrays);
    }

    [Theory]
    [InlineData("""{"id":"vtx_2","type":"T",""", "invalid JSON")]
    [InlineData("""not json""", "invalid JSON")]
    [InlineData("""{"id":7,"type":"T","created_at":"2024-01-01T00:00:00Z"}""", "id: expected a string")]
    [InlineData("""{"id":"vtx_2","type":"T","created_at":"yesterday"}""", "created_at: expected an ISO 8601 string")]
    [InlineData("""{"id":"vtx_2","type":"T","created_at":"2024-01-01T00:00:00Z","details":{"balance":{"amount":"5"}}}""", "details.balance.amount: expected an integer")]
    [InlineData("""{"type":"T","created_at":"2024-01-01T00:00:00Z"}""", "id: missing")]
    [InlineData("""{"id":"vtx_2","created_at":"2024-01-01T00:00:00Z"}""", "type: missing")]
    [InlineData("""{"id":"vtx_2","type":"T"}""", "created_at: missing")]
    public async Task BadLineIsReportedWithItsPhysicalLineNumber(string bad, string problem)
    {
        // Line 1 good, line 2 blank, line 3 good (CRLF), line 4 bad.
        byte[] bytes = Encoding.UTF8.GetBytes($"{Good}\n\n{Good}\r\n{bad}\n{Good}\n");

        foreach (int bufferBytes in new[] { 16, 64 * 1024 })
        {
            var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => SourceReader.ReadAllAsync(Source(bytes, 1, bufferBytes)));

            Assert.Equal(4, ex.Line);
            Assert.Equal("test.jsonl", ex.Source);
            Assert.StartsWith(problem, ex.Problem, StringComparison.Ordinal);
            Assert.StartsWith($"test.jsonl: line 4: {problem}", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task InvalidUtf8IsReportedWithItsLine()
    {
        byte[] bytes = [
            .. Encoding.UTF8.GetBytes($"{Good}\n"), .. "{\"id\":\"vtx_"u8, 0xFF, 0xFE,
            .. "\",\"type\":\"T\",\"created_at\":\"2024-01-01T00:00:00Z\"}"u8,
        ];

        var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => SourceReader.ReadAllAsync(Source(bytes, 1, 16)));

        Assert.Equal(2, ex.Line);
        Assert.Equal("invalid UTF-8", ex.Problem);
    }

    [Theory]
    [InlineData(16, true)]
    [InlineData(16, false)]
    [InlineData(4096, true)]
    [InlineData(4096, false)]
    public async Task TooLongLineIsRefusedWithoutBufferingIt(int bufferBytes, bool terminated)
    {
        string longLine = $$"""{"id":"vtx_3","type":"T","created_at":"2024-01-01T00:00:00Z","reason":"{{new string('x', 500)}}"}""";
        byte[] bytes = Encoding.UTF8.GetBytes($"{Good}\n{Good}\n{longLine}{(terminated ? "\n" : "")}");
        var source = new JsonLinesTransactionSource(
            _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)), "long.jsonl", new JsonLinesSourceOptions { BatchSize = 1 })
        {
            ReadBufferBytes = bufferBytes,
            MaxLineBytes = 200,
        };

        var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => SourceReader.ReadAllAsync(source));

        Assert.Equal(3, ex.Line);
        Assert.Contains("longer than 200 bytes", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LineOfExactlyTheLimitIsAccepted()
    {
        string line = $$"""{"id":"vtx_3","type":"T","created_at":"2024-01-01T00:00:00Z","reason":"{{new string('x', 100)}}"}""";
        byte[] bytes = Encoding.UTF8.GetBytes($"{line}\r\n{line}");
        var source = new JsonLinesTransactionSource(_ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)), "exact")
        {
            ReadBufferBytes = 16,
            MaxLineBytes = Encoding.UTF8.GetByteCount(line),
        };

        Assert.Equal(2, (await SourceReader.ReadAllAsync(source)).Count);
    }

    [Fact]
    public async Task StreamIsDisposedAfterReadingFailingAndStoppingEarly()
    {
        byte[] good = Encoding.UTF8.GetBytes($"{Good}\n{Good}\n{Good}\n");
        byte[] bad = Encoding.UTF8.GetBytes($"{Good}\n{{\n");
        var streams = new List<TrackingStream>();
        JsonLinesTransactionSource Tracked(byte[] bytes) => new(
            _ =>
            {
                var stream = new TrackingStream(bytes);
                streams.Add(stream);
                return ValueTask.FromResult<Stream>(stream);
            },
            "tracked", new JsonLinesSourceOptions { BatchSize = 1 });

        await SourceReader.ReadAllAsync(Tracked(good));
        await Assert.ThrowsAsync<LedgerFormatException>(() => SourceReader.ReadAllAsync(Tracked(bad)));
        await foreach (var batch in Tracked(good).ReadAsync(SourceReader.Query(), default))
        {
            break;
        }

        Assert.Equal(3, streams.Count);
        Assert.All(streams, s => Assert.True(s.Disposed));
    }

    [Fact]
    public async Task CancellationBetweenBatchesStopsAndDisposesTheStream()
    {
        TrackingStream? stream = null;
        var source = new JsonLinesTransactionSource(
            _ => ValueTask.FromResult<Stream>(stream = new TrackingStream(s_demo.Value.Bytes)), "cancelled",
            new JsonLinesSourceOptions { BatchSize = 10 });
        using var cts = new CancellationTokenSource();
        int batches = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var batch in source.ReadAsync(SourceReader.Query(), cts.Token))
            {
                batches++;
                await cts.CancelAsync();
            }
        });

        Assert.Equal(1, batches);
        Assert.True(stream!.Disposed);
    }

    [Fact]
    public async Task CancelledBeforeStartNeverOpens()
    {
        bool opened = false;
        var source = new JsonLinesTransactionSource(
            _ =>
            {
                opened = true;
                return ValueTask.FromResult<Stream>(new MemoryStream());
            },
            "never");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var batch in source.ReadAsync(SourceReader.Query(), new CancellationToken(canceled: true)))
            {
            }
        });
        Assert.False(opened);
    }

    [Fact]
    public async Task ReadsAFileOncePerReadAsync()
    {
        (List<VoucherTransaction> expected, byte[] bytes) = s_demo.Value;
        using var file = new TempFile(bytes, ".jsonl");
        var source = new JsonLinesTransactionSource(file.Path);

        TransactionAssert.Equal(expected, await SourceReader.ReadAllAsync(source));
        TransactionAssert.Equal(expected, await SourceReader.ReadAllAsync(source));
    }

    [Fact]
    public async Task MissingFileNamesThePath()
    {
        var source = new JsonLinesTransactionSource(Path.Combine(Path.GetTempPath(), "vx-missing.jsonl"));

        await Assert.ThrowsAsync<FileNotFoundException>(() => SourceReader.ReadAllAsync(source));
    }

    [Theory]
    [InlineData(ExportOrder.CreatedAtAscending, ExportOrder.CreatedAtAscending, true)]
    [InlineData(ExportOrder.CreatedAtAscending, ExportOrder.CreatedAtDescending, false)]
    [InlineData(ExportOrder.CreatedAtDescending, ExportOrder.CreatedAtDescending, true)]
    [InlineData(null, ExportOrder.CreatedAtAscending, false)]
    [InlineData(null, ExportOrder.CreatedAtDescending, false)]
    public void PlanAppliesTheDeclaredOrderOnlyAndNoFilters(ExportOrder? declared, ExportOrder asked, bool orderApplied)
    {
        var source = new JsonLinesTransactionSource("unused.jsonl", new JsonLinesSourceOptions { DeclaredOrder = declared });

        Assert.Equal(new SourcePushdown(false, orderApplied), source.Plan(SourceReader.Query(asked)));
    }

    [Fact]
    public void BadOptionsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new JsonLinesTransactionSource("x", new JsonLinesSourceOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentException>(() => new JsonLinesTransactionSource(""));
    }

    private static JsonLinesTransactionSource Source(byte[] bytes, int batchSize, int bufferBytes)
        => new(_ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)), "test.jsonl", new JsonLinesSourceOptions { BatchSize = batchSize })
        {
            ReadBufferBytes = bufferBytes,
        };
}

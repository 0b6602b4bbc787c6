using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Tests.Faults;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

/// <summary>
/// Reading on several threads (<see cref="TransactionQuery.Parallelism"/> above 1) gives what one thread gives: the same
/// rows in the same batches, the same error at the same line, the same skipped count and first skipped row; and every
/// pooled buffer goes back, however the read ends.
/// </summary>
public class ParallelReadTests
{
    private const int MaxLine = 3_000;

    private static readonly Lazy<string[]> s_demoLines = new(() =>
        [.. Encoding.UTF8.GetString(DemoLedgerTests.JsonLines(new DemoLedger(400, 5))).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => Encoding.UTF8.GetByteCount(l) <= MaxLine)]);

    [Property(MaxTest = 120)]
    public Property JsonLinesOnSeveralThreadsReadsAsOneThreadDoes(
        PositiveInt seed, bool skip, byte threadSeed, PositiveInt blockSeed, byte batchSeed, byte badSeed)
    {
        byte[] file = Ledger(new Random(seed.Get), badEvery: 3 + (badSeed % 60));
        var options = new JsonLinesSourceOptions
        {
            BatchSize = 1 + (batchSeed % 70),
            MalformedRows = skip ? MalformedRowPolicy.Skip : MalformedRowPolicy.Fail,
        };
        var pool = new RecordingBufferPool();
        Outcome serial = Read(JsonLines(file, options, 1 + (blockSeed.Get % 4096)), 1);
        Outcome parallel = Read(
            JsonLines(file, options with { BufferPool = pool }, 1 + (blockSeed.Get % 4096), blockBytes: 16 + (blockSeed.Get % 9_000), blockLines: 1 + (blockSeed.Get % 40)),
            2 + (threadSeed % 3));

        pool.AssertBalanced("parallel JSON Lines read");
        return (serial == parallel).Label($"serial {serial}\nparallel {parallel}");
    }

    [Property(MaxTest = 60)]
    public Property CsvOnSeveralThreadsReadsAsOneThreadDoes(PositiveInt seed, bool skip, byte batchSeed, byte badSeed)
    {
        var random = new Random(seed.Get);
        var rows = new DemoLedger(1 + random.Next(600), seed.Get).Transactions().ToList();
        var lines = Encoding.UTF8.GetString(TestCsv.Write(rows, ',', labels: true)).Split("\r\n").ToList();
        int badEvery = 3 + (badSeed % 80);
        for (int i = lines.Count - 2; i > 0; i -= badEvery)
        {
            lines[i] = random.Next(3) switch
            {
                0 => "vtx_bad,T,yesterday,,,,,,,,,",
                1 => "vtx_bad,T",
                _ => lines[i],
            };
        }

        byte[] file = Encoding.UTF8.GetBytes(string.Join("\r\n", lines));
        var options = new CsvSourceOptions
        {
            BatchSize = 1 + (batchSeed % 90),
            MalformedRows = skip ? MalformedRowPolicy.Skip : MalformedRowPolicy.Fail,
        };

        Outcome serial = Read(Csv(file, options), 1);
        Outcome parallel = Read(Csv(file, options), 2);
        return (serial == parallel).Label($"serial {serial}\nparallel {parallel}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    public async Task StoppingEarlyReturnsEveryBufferAndClosesTheFile(int batchesTaken)
    {
        byte[] file = Ledger(new Random(7), badEvery: int.MaxValue);
        var pool = new RecordingBufferPool();
        var stream = new TrackingStream(file);
        var source = new JsonLinesTransactionSource(_ => ValueTask.FromResult<Stream>(stream), "test.jsonl", new JsonLinesSourceOptions { BatchSize = 10, BufferPool = pool })
        {
            ReadBufferBytes = 512,
            BlockBytes = 2048,
        };

        int taken = 0;
        await foreach (ReadOnlyMemory<VoucherTransaction> batch in source.ReadAsync(SourceReader.Query() with { Parallelism = 3 }, CancellationToken.None))
        {
            Assert.Equal(10, batch.Length);
            if (taken++ == batchesTaken)
            {
                break;
            }
        }

        Assert.True(stream.Disposed, "the file must be closed when the caller stops");
        pool.AssertBalanced("stopped early");
    }

    [Fact]
    public async Task CancellingWhileReadingStopsWithTheTokenAndReturnsEveryBuffer()
    {
        byte[] file = Ledger(new Random(3), badEvery: int.MaxValue);
        var pool = new RecordingBufferPool();
        using var cancel = new CancellationTokenSource();
        var source = JsonLines(file, new JsonLinesSourceOptions { BatchSize = 5, BufferPool = pool }, 256, blockBytes: 1024, blockLines: 8);

        int batches = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (ReadOnlyMemory<VoucherTransaction> _ in source.ReadAsync(SourceReader.Query() with { Parallelism = 2 }, cancel.Token))
            {
                if (++batches == 3)
                {
                    await cancel.CancelAsync();
                }
            }
        });

        Assert.Equal(3, batches);
        pool.AssertBalanced("cancelled");
    }

    [Fact]
    public async Task AMissingFileFailsAsOnOneThread()
    {
        var source = new JsonLinesTransactionSource(Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.jsonl"));
        Exception one = await Assert.ThrowsAnyAsync<Exception>(() => Drain(source, 1));
        Exception two = await Assert.ThrowsAnyAsync<Exception>(() => Drain(source, 2));
        Assert.Equal(one.GetType(), two.GetType());
        Assert.Equal(one.Message, two.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void AQueryParallelismOutOfRangeIsRefused(int value)
        => Assert.Throws<ArgumentOutOfRangeException>(() => SourceReader.Query() with { Parallelism = value });

    private static async Task Drain(ITransactionSource source, int threads)
    {
        await foreach (ReadOnlyMemory<VoucherTransaction> _ in source.ReadAsync(SourceReader.Query() with { Parallelism = threads }, CancellationToken.None))
        {
        }
    }

    /// <summary>A ledger of demo lines with a malformed, blank or too-long line every so often, CRLF or LF, maybe a BOM.</summary>
    private static byte[] Ledger(Random random, int badEvery)
    {
        string[] demo = s_demoLines.Value;
        var text = new StringBuilder();
        if (random.Next(4) == 0)
        {
            text.Append('\uFEFF');
        }

        int lines = random.Next(1, 700);
        for (int i = 0; i < lines; i++)
        {
            string line = i % badEvery == badEvery - 1
                ? random.Next(5) switch
                {
                    0 => """{"id":"vtx_bad","type":""",
                    1 => "[1,2]",
                    2 => new string('x', MaxLine + 1 + random.Next(50)),
                    3 => "  \t",
                    _ => "",
                }
                : demo[random.Next(demo.Length)];
            text.Append(line);
            if (i < lines - 1 || random.Next(2) == 0)
            {
                text.Append(random.Next(3) == 0 ? "\r\n" : "\n");
            }
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static JsonLinesTransactionSource JsonLines(
        byte[] file, JsonLinesSourceOptions options, int readBufferBytes, int blockBytes = JsonLinesParallelReader.DefaultBlockBytes,
        int blockLines = JsonLinesParallelReader.DefaultBlockLines)
        => new(_ => ValueTask.FromResult<Stream>(new MemoryStream(file)), "test.jsonl", options)
        {
            ReadBufferBytes = readBufferBytes,
            MaxLineBytes = MaxLine,
            BlockBytes = blockBytes,
            BlockLines = blockLines,
        };

    private static CsvTransactionSource Csv(byte[] file, CsvSourceOptions options)
        => new(_ => ValueTask.FromResult<Stream>(new MemoryStream(file)), "test.csv", options);

    private static Outcome Read(ITransactionSource source, int threads)
    {
        var query = SourceReader.Query() with { Parallelism = threads };
        var sizes = new StringBuilder();
        var rows = new StringBuilder();
        string? error = null;
        try
        {
            Task.Run(async () =>
            {
                await foreach (ReadOnlyMemory<VoucherTransaction> batch in source.ReadAsync(query, CancellationToken.None))
                {
                    sizes.Append(batch.Length).Append(',');
                    foreach (VoucherTransaction row in batch.Span)
                    {
                        rows.Append(Json(row)).Append('\n');
                    }
                }
            }).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            error = $"{e.GetType().Name}: {e.Message}";
        }

        return new Outcome(sizes.ToString(), rows.ToString(), error, query.SkippedRows.Count, query.SkippedRows.First?.Message);
    }

    private static string Json(VoucherTransaction row)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            TransactionJson.Write(writer, row);
        }

        return $"{Encoding.UTF8.GetString(buffer.ToArray())}|{row.Amount}|{row.Balance}";
    }

    private sealed record Outcome(string BatchSizes, string Rows, string? Error, long Skipped, string? FirstSkipped)
    {
        public override string ToString() => $"batches [{BatchSizes}], {Rows.Length} chars of rows, error {Error ?? "none"}, skipped {Skipped} (first: {FirstSkipped ?? "none"})";
    }
}

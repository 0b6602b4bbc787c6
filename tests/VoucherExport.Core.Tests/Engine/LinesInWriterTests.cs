using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Telemetry;
using VoucherExport.Tests.Faults;
using VoucherExport.Tests.Transactions;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Engine;

/// <summary>
/// A JSON Lines ledger exported in its declared order on several threads has its lines scanned and formatted by the
/// writer's threads, with no row objects (<see cref="JsonLinesTransactionSource.ReadLineBlocks"/>). That path must give
/// what the rows path gives, byte for byte: the same chunks (names, rows, bytes, SHA-256, created_at ranges, the last
/// id and ledger offset a resume starts from), and the same error for a malformed line or a row out of order; and every
/// pooled buffer goes back, however the export ends.
/// </summary>
public class LinesInWriterTests
{
    private const int MaxLine = 4_000;

    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<string[]> s_demoLines = new(() =>
        [.. Encoding.UTF8.GetString(DemoLedgerTests.JsonLines(new DemoLedger(500, 9))).Split('\n', StringSplitOptions.RemoveEmptyEntries)]);

    /// <summary>
    /// Valid lines a machine or a person may write that are not what the demo writes: escapes in every text (id and type
    /// included), texts that need quotes or a formula guard, non-ASCII, whitespace between tokens and inside
    /// <c>details</c>, nulls and absent fields, unknown keys, points instead of an amount. <c>AT</c> is replaced by the
    /// line's instant. The last is left to the full parser by the scan (an escaped property name).
    /// </summary>
    private static readonly string[] s_oddLines =
    [
        """{"id":"vtx_\u0041scii","type":"CREDITS_\u0052EDEMPTION","created_at":"AT","source_id":"s\"q,1","voucher_id":"v_\u00e9","campaign_id":null,"source":"API","reason":"line\nbreak","details":{"balance":{"amount":-500,"balance":1000}},"related_transaction_id":null}""",
        """{"id":"vtx_raw_é_😀","type":"POINTS_ACCRUAL","created_at":"AT","reason":"=SUM(A1)","source":"POS","details":{"balance":{"points":40,"balance":90}}}""",
        """{ "id" : "vtx_spaced", "type" : "CREDITS_REFUND", "created_at" : "AT", "reason" : "-5, \"quoted\"", "details" : { "balance" : { "amount" : 5 , "balance" : 10 } , "note" : [ 1 , 2 , { "x" : "a b" } ] } }""",
        """{"id":"vtx_nulls","type":"CREDITS_ADDITION","created_at":"AT","source_id":null,"voucher_id":null,"source":null,"reason":null,"details":null}""",
        """{"object":"transaction","id":"vtx_extra","extra":{"deep":[[{"a":null}]]},"type":"X_CUSTOM","created_at":"AT","details":{},"reason":"@home\ttab"}""",
        """{"id":"vtx_emoji","type":"CREDITS_REMOVAL","created_at":"AT","reason":"\ud83d\ude00 smile","campaign_id":"camp_\u4e2d","related_transaction_id":"vtx_\/x"}""",
        """{"id":"vtx_semicolon","type":"CREDITS_REDEMPTION","created_at":"AT","reason":"a;b|c\td","source":"voucherify-web-ui","details":{"balance":{"amount":7,"balance":7,"points":1},"s":"q\"uote"}}""",
        """{"\u0069d":"vtx_escaped_name","type":"CREDITS_REDEMPTION","created_at":"AT"}""",
    ];

    [Fact]
    public async Task TheWriterFormatsTheLinesItselfAndGivesTheRowsPathsBytes()
    {
        byte[] file = Ledger(new Random(5), lines: 900, oddEvery: 4);
        var setup = new Setup(
            ExportOrder.CreatedAtAscending, TransactionFields.All, CsvFormat.Default, new ChunkLimits { MaxChunkBytes = 40_000 },
            Threads: 2, BlockBytes: 8_000, BlockLines: 40);

        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == VoucherExportTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var root = new Activity("lines-in-writer-test").Start();

        Outcome lines = await RunAsync(file, setup, linesInWriter: true);
        Outcome rows = await RunAsync(file, setup, linesInWriter: false);

        Assert.Null(lines.Error);
        Assert.True(lines.Chunks > 3, $"{lines.Chunks} chunks");
        Assert.Equal(rows.Text, lines.Text);

        // The first run went through the writer's lines, the second through rows.
        var mine = spans.Where(s => s.TraceId == root.TraceId && s.OperationName == "voucher_export.write").ToList();
        Assert.Equal(2, mine.Count);
        Assert.Single(mine, s => s.GetTagItem("export.lines_in_writer") is true);
    }

    [Theory]
    [InlineData(ExportOrder.CreatedAtAscending, 3, false, ';')]
    [InlineData(ExportOrder.CreatedAtDescending, 2, true, '\t')]
    public async Task EveryDialectProjectionAndCompressionGivesTheSameChunks(ExportOrder order, int threads, bool gzip, char delimiter)
    {
        byte[] file = Ledger(new Random(11), lines: 700, oddEvery: 3, descending: order == ExportOrder.CreatedAtDescending);
        var csv = new CsvFormat { Delimiter = delimiter, Newline = CsvNewline.Lf, Bom = true, FormulaGuard = true, Header = CsvHeaderStyle.Names };
        var limits = new ChunkLimits { MaxChunkBytes = gzip ? 9_000 : 30_000, MaxChunkRows = 97, Compression = gzip ? ChunkCompression.Gzip : ChunkCompression.None };
        foreach (ImmutableArray<TransactionField> fields in new[]
        {
            TransactionFields.All,
            [TransactionField.Reason],
            [TransactionField.Status],
            [TransactionField.Details, TransactionField.Amount, TransactionField.Id, TransactionField.CreatedAt, TransactionField.Balance],
        })
        {
            var setup = new Setup(order, fields, csv, limits, threads, BlockBytes: 5_000, BlockLines: 33);
            Outcome lines = await RunAsync(file, setup, linesInWriter: true);
            Outcome rows = await RunAsync(file, setup, linesInWriter: false);
            Assert.Null(lines.Error);
            Assert.Equal(rows.Text, lines.Text);
        }
    }

    /// <summary>
    /// An as-of point (rows made after it left out) and a range task's created_at range, which the writer applies to the
    /// lines: the same records as the rows path, which leaves the rows out in the engine; blocks whose rows all fall
    /// outside still have their order checked.
    /// </summary>
    [Theory]
    [InlineData(ExportOrder.CreatedAtAscending, false)]
    [InlineData(ExportOrder.CreatedAtDescending, false)]
    [InlineData(ExportOrder.CreatedAtAscending, true)]
    [InlineData(ExportOrder.CreatedAtDescending, true)]
    public async Task AnAsOfPointOrARangeLeavesOutTheSameRows(ExportOrder order, bool swapOutside)
    {
        bool descending = order == ExportOrder.CreatedAtDescending;
        var lines = Lines(new Random(4), 900, oddEvery: 5, descending);
        if (swapOutside)
        {
            // Two rows out of order among those the as-of point leaves out: still an error, as in the rows path. With a
            // line a block, they are two batches without records, checked against each other when sealed.
            int at = descending ? 20 : 880;
            (lines[at], lines[at - 1]) = (lines[at - 1], lines[at]);
        }

        var asOf = new Setup(order, TransactionFields.All, CsvFormat.Default, new ChunkLimits { MaxChunkBytes = 30_000 }, 2, BlockBytes: 4_000, BlockLines: swapOutside ? 1 : 30)
        {
            AsOf = s_start.AddMilliseconds(600 * 1_237L),
        };
        var range = asOf with
        {
            AsOf = null,
            Range = new ExportRange { Task = 2, From = s_start.AddMilliseconds(150 * 1_237L), Before = s_start.AddMilliseconds(500 * 1_237L + 1) },
        };
        foreach (Setup setup in new[] { asOf, range })
        {
            Outcome viaLines = await RunAsync(Join(lines), setup, linesInWriter: true);
            Outcome viaRows = await RunAsync(Join(lines), setup, linesInWriter: false);
            Assert.Equal(viaRows.Text, viaLines.Text);
            if (!swapOutside)
            {
                Assert.Null(viaLines.Error);
                Assert.True(viaLines.Chunks > 2, $"{viaLines.Chunks} chunks");
            }
            else if (setup.AsOf is not null)
            {
                Assert.StartsWith("DeclaredOrderViolationException", viaLines.Error, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(39)]
    [InlineData(40)]
    [InlineData(517)]
    public async Task AMalformedLineFailsTheExportWithTheRowsPathsError(int at)
    {
        var lines = Lines(new Random(3), 600, oddEvery: 0, descending: false);
        lines[at] = """{"id":"vtx_bad","type":"CREDITS_REDEMPTION","created_at":"yesterday"}""";
        var setup = new Setup(ExportOrder.CreatedAtAscending, TransactionFields.All, CsvFormat.Default, ChunkLimits.Default, 2, BlockBytes: 6_000, BlockLines: 40);

        Outcome viaLines = await RunAsync(Join(lines), setup, linesInWriter: true);
        Outcome viaRows = await RunAsync(Join(lines), setup, linesInWriter: false);

        Assert.Contains($"line {at + 1}", viaLines.Error, StringComparison.Ordinal);
        Assert.StartsWith(nameof(LedgerFormatException), viaLines.Error, StringComparison.Ordinal);
        Assert.Equal(viaRows.Text, viaLines.Text);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(40)]
    [InlineData(41)]
    [InlineData(399)]
    public async Task ARowOutOfOrderFailsTheExportWithTheRowsPathsError(int at)
    {
        var lines = Lines(new Random(8), 600, oddEvery: 5, descending: false);
        (lines[at], lines[at - 1]) = (lines[at - 1], lines[at]);
        var setup = new Setup(ExportOrder.CreatedAtAscending, TransactionFields.All, CsvFormat.Default, ChunkLimits.Default, 2, BlockBytes: 6_000, BlockLines: 40);

        Outcome viaLines = await RunAsync(Join(lines), setup, linesInWriter: true);
        Outcome viaRows = await RunAsync(Join(lines), setup, linesInWriter: false);

        Assert.StartsWith("DeclaredOrderViolationException", viaLines.Error, StringComparison.Ordinal);
        Assert.Contains($"row {at + 1} ", viaLines.Error, StringComparison.Ordinal);
        Assert.Equal(viaRows.Text, viaLines.Text);
    }

    /// <summary>
    /// Ids at one instant are ordered by UTF-16 code unit, where an emoji (a surrogate pair) comes before U+E000; their
    /// UTF-8 bytes sort the other way round, so the lines path must not take the bytes' word for it.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IdsAtOneInstantAreOrderedAsStringsAreNotAsTheirBytes(bool reversed)
    {
        string[] ids = ["vtx_a😀", "vtx_a\uE000", "vtx_b"];
        if (reversed)
        {
            (ids[0], ids[1]) = (ids[1], ids[0]);
        }

        var lines = ids.Select(id => $$"""{"id":"{{id}}","type":"CREDITS_REDEMPTION","created_at":"2026-01-01T00:00:00.000Z"}""").ToList();
        var setup = new Setup(ExportOrder.CreatedAtAscending, TransactionFields.All, CsvFormat.Default, ChunkLimits.Default, 2, BlockBytes: 1_000, BlockLines: 8);

        Outcome viaLines = await RunAsync(Join(lines), setup, linesInWriter: true);
        Outcome viaRows = await RunAsync(Join(lines), setup, linesInWriter: false);

        Assert.Equal(reversed, viaLines.Error is not null);
        Assert.Equal(viaRows.Text, viaLines.Text);
    }

    /// <summary>
    /// Random ledgers (odd lines, now and then a malformed one or two rows swapped), dialects, projections, chunk limits,
    /// compression, thread counts and block sizes: the lines path gives the rows path's outcome, and returns every buffer.
    /// </summary>
    [Property(MaxTest = 60)]
    public Property AnyLedgerExportsAsTheRowsPathExportsIt(PositiveInt seed, byte shape, byte limitSeed, bool gzip, bool descending)
    {
        var random = new Random(seed.Get);
        var lines = Lines(random, 1 + random.Next(500), oddEvery: 2 + (shape % 7), descending);
        if (shape % 5 == 0 && lines.Count > 2)
        {
            lines[random.Next(lines.Count)] = random.Next(3) switch
            {
                0 => """{"id":"vtx_bad","type":""",
                1 => "[1,2]",
                _ => new string('x', MaxLine + 1),
            };
        }
        else if (shape % 5 == 1 && lines.Count > 2)
        {
            int at = 1 + random.Next(lines.Count - 1);
            (lines[at], lines[at - 1]) = (lines[at - 1], lines[at]);
        }

        var all = TransactionFields.All;
        ImmutableArray<TransactionField> fields = shape % 3 == 0
            ? all
            : [.. all.Where(_ => random.Next(3) != 0).DefaultIfEmpty(all[random.Next(all.Length)])];
        var csv = new CsvFormat
        {
            Delimiter = ",;\t|"[shape % 4],
            Newline = (shape & 8) == 0 ? CsvNewline.CrLf : CsvNewline.Lf,
            Bom = (shape & 16) != 0,
            FormulaGuard = (shape & 32) != 0,
        };
        var limits = new ChunkLimits
        {
            MaxChunkBytes = 2_000 + (limitSeed * 300),
            MaxChunkRows = limitSeed % 3 == 0 ? null : 1 + (limitSeed % 90),
            Compression = gzip ? ChunkCompression.Gzip : ChunkCompression.None,
        };
        var setup = new Setup(
            descending ? ExportOrder.CreatedAtDescending : ExportOrder.CreatedAtAscending, fields, csv, limits,
            Threads: 2 + (limitSeed % 3), BlockBytes: 200 + random.Next(20_000), BlockLines: 1 + random.Next(200))
        {
            // Now and then an as-of point inside the ledger (on a row's instant, or between two), which the writer applies.
            AsOf = (shape & 64) == 0 ? null : s_start.AddMilliseconds(random.Next(lines.Count + 1) * 1_237L + random.Next(2)),
        };

        byte[] file = Join(lines);
        var pool = new RecordingBufferPool();
        Outcome viaLines = RunAsync(file, setup, linesInWriter: true, pool).GetAwaiter().GetResult();
        Outcome viaRows = RunAsync(file, setup, linesInWriter: false).GetAwaiter().GetResult();
        pool.AssertBalanced("lines formatted in the writer");
        return (viaLines.Text == viaRows.Text).Label($"lines:\n{viaLines.Text}\nrows:\n{viaRows.Text}");
    }

    [Fact]
    public async Task AFailingSinkOrACancelledExportReturnsEveryBlock()
    {
        byte[] file = Ledger(new Random(2), lines: 800, oddEvery: 6);
        var setup = new Setup(ExportOrder.CreatedAtAscending, TransactionFields.All, CsvFormat.Default, new ChunkLimits { MaxChunkBytes = 20_000 }, 2, BlockBytes: 3_000, BlockLines: 20);

        var pool = new RecordingBufferPool();
        var failing = new FaultyChunkSinkFactory(new SinkFault { AfterBytes = 50_000 });
        Outcome failed = await RunAsync(file, setup, linesInWriter: true, pool, failing);
        Assert.StartsWith(nameof(IOException), failed.Error, StringComparison.Ordinal);
        pool.AssertBalanced("a failing sink");

        using var cancel = new CancellationTokenSource();
        var stalling = new FaultyChunkSinkFactory(new SinkFault { AfterBytes = 30_000, Stall = true });
        Task<Outcome> running = RunAsync(file, setup, linesInWriter: true, pool, stalling, cancel.Token);
        await stalling.Stalled;
        await cancel.CancelAsync();
        Outcome cancelled = await running;
        Assert.Equal(nameof(OperationCanceledException), cancelled.Error);
        pool.AssertBalanced("a cancelled export");
    }

    private sealed record Setup(
        ExportOrder Order, ImmutableArray<TransactionField> Fields, CsvFormat Csv, ChunkLimits Limits, int Threads, int BlockBytes, int BlockLines)
    {
        /// <summary>The export's as-of point: rows made after it are left out.</summary>
        public DateTimeOffset? AsOf { get; init; }

        /// <summary>A range task of a split export: only rows made in its range.</summary>
        public ExportRange? Range { get; init; }
    }

    /// <summary>What an export gave: its chunks (with the resume fields the manifest leaves out) and their bytes, or its error.</summary>
    private sealed record Outcome(string Text, string? Error, int Chunks);

    private static async Task<Outcome> RunAsync(
        byte[] file, Setup setup, bool linesInWriter, RecordingBufferPool? pool = null, IChunkSinkFactory? sinks = null,
        CancellationToken cancellationToken = default)
    {
        var memory = new InMemoryChunkSinkFactory();
        sinks ??= memory;
        var options = new JsonLinesSourceOptions { DeclaredOrder = setup.Order, BufferPool = pool ?? JsonLinesSourceOptions.Default.BufferPool };
        var source = new JsonLinesTransactionSource(_ => ValueTask.FromResult<Stream>(new MemoryStream(file)), "ledger.jsonl", options)
        {
            MaxLineBytes = MaxLine,
            BlockBytes = setup.BlockBytes,
            BlockLines = setup.BlockLines,
            ReadBufferBytes = 1_024,
            FormatLinesInWriter = linesInWriter,
        };
        var request = ExportRequest.For(new ExportParameters(setup.Order, setup.Fields, null)) with
        {
            Csv = setup.Csv,
            Chunks = setup.Limits,
            Parallelism = setup.Threads,
            AsOf = setup.AsOf,
            Range = setup.Range,
        };
        if (pool is not null)
        {
            request = request with { BufferPool = pool };
        }

        try
        {
            ExportResult result = await ExportEngine.RunAsync(request, source, sinks, cancellationToken: cancellationToken);
            var text = new StringBuilder();
            var chunks = result.Export.Result!.Chunks;
            InMemoryChunkSink? sink = memory.Find(request.Export.Id);
            foreach (ExportChunk chunk in chunks)
            {
                ChunkInfo c = chunk.Info;
                text.Append(CultureInfo.InvariantCulture, $"{c.Name} {c.Rows} {c.Bytes} {c.UncompressedBytes} {c.Sha256} {c.FirstCreatedAt:O} {c.LastCreatedAt:O} {c.LastId} {c.SourceOffset} {c.Oversize}");
                if (sink is not null)
                {
                    text.Append(' ').Append(Convert.ToHexStringLower(SHA256.HashData(sink.Committed.Single(p => p.Key == c.Name).Value)));
                }

                text.Append('\n');
            }

            return new Outcome(text.ToString(), null, chunks.Count);
        }
        catch (Exception e)
        {
            // A cancellation may surface as its subclass TaskCanceledException from either path.
            string error = e is OperationCanceledException ? nameof(OperationCanceledException) : $"{e.GetType().Name}: {e.Message}";
            return new Outcome(error, error, 0);
        }
    }

    private static byte[] Ledger(Random random, int lines, int oddEvery, bool descending = false) =>
        Join(Lines(random, lines, oddEvery, descending));

    /// <summary>
    /// Demo lines with, every <paramref name="oddEvery"/> lines (0: never), an odd one; each line gets its own instant,
    /// rising (or falling), so the ledger keeps the declared order.
    /// </summary>
    private static List<string> Lines(Random random, int count, int oddEvery, bool descending)
    {
        string[] demo = s_demoLines.Value;
        DateTimeOffset start = s_start;
        var lines = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            DateTimeOffset at = start.AddMilliseconds((descending ? count - i : i) * 1_237L);
            string stamp = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            string line = oddEvery > 0 && i % oddEvery == oddEvery - 1
                ? s_oddLines[random.Next(s_oddLines.Length)].Replace("\"AT\"", $"\"{stamp}\"", StringComparison.Ordinal)
                : WithInstant(demo[random.Next(demo.Length)], stamp);
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>A demo line with its created_at replaced by <paramref name="stamp"/>.</summary>
    private static string WithInstant(string line, string stamp)
    {
        const string Key = "\"created_at\":\"";
        int at = line.IndexOf(Key, StringComparison.Ordinal) + Key.Length;
        int end = line.IndexOf('"', at);
        return string.Concat(line.AsSpan(0, at), stamp, line.AsSpan(end));
    }

    private static byte[] Join(List<string> lines) => Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
}

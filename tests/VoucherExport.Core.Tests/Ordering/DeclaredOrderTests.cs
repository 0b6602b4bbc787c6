using System.Text;
using System.Text.Json;
using VoucherExport.Chunks;
using VoucherExport.Cli;
using VoucherExport.Demo;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Ordering;

/// <summary>A source that declares the order is streamed, never sorted, and checked row by row.</summary>
public class DeclaredOrderTests
{
    /// <summary>A sort would spill under this budget into a folder that cannot be created (it is a file).</summary>
    private static SortOptions NoSortPossible { get; } =
        new() { MemoryBudgetBytes = 4096, TempFolder = typeof(DeclaredOrderTests).Assembly.Location };

    private static VoucherTransaction[] InOrder(VoucherTransaction[] rows, ExportOrder order) => order == ExportOrder.CreatedAtAscending
        ? [.. rows.OrderBy(r => r.CreatedAt.UtcTicks).ThenBy(r => r.Id, StringComparer.Ordinal)]
        : [.. rows.OrderByDescending(r => r.CreatedAt.UtcTicks).ThenByDescending(r => r.Id, StringComparer.Ordinal)];

    [Theory]
    [InlineData(ExportOrder.CreatedAtAscending)]
    [InlineData(ExportOrder.CreatedAtDescending)]
    public async Task ADeclaredOrderThatHoldsIsStreamedWithTheSortedBytes(ExportOrder order)
    {
        // Ties on created_at everywhere, so the id part of the order is checked too.
        var rows = InOrder([.. Enumerable.Range(1, 3000).Select(i => Rows.Make(i, secondsFromStart: i / 7))], order);
        byte[] bytes = await SortKit.ExportAsync(
            SortKit.Request(order, NoSortPossible), new InMemoryTransactionSource(rows, 97, declaredOrder: order));
        Assert.Equal(SortKit.Reference(rows, order), bytes);
    }

    [Theory]
    [InlineData(ExportOrder.CreatedAtAscending)]
    [InlineData(ExportOrder.CreatedAtDescending)]
    public async Task ARowOutOfTheDeclaredOrderFailsTheExportNamingBothIds(ExportOrder order)
    {
        var rows = InOrder(Rows.Many(500), order);
        (rows[300], rows[301]) = (rows[301], rows[300]);
        var request = SortKit.Request(order, NoSortPossible);
        var sinks = new InMemoryChunkSinkFactory();

        var error = await Assert.ThrowsAsync<DeclaredOrderViolationException>(() => ExportEngine.RunAsync(
            request, new InMemoryTransactionSource(rows, 64, declaredOrder: order), sinks));

        Assert.Equal(302, error.Row);
        Assert.Equal(rows[301].Id, error.Id);
        Assert.Equal(rows[300].Id, error.PreviousId);
        Assert.Contains($"row 302 ({rows[301].Id}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"comes after {rows[300].Id}", error.Message, StringComparison.Ordinal);
        Assert.Empty(sinks.Find(request.Export.Id)!.Committed);

        VoucherifyError mapped = ExportErrors.From(error);
        Assert.Equal(422, mapped.Code);
        Assert.Equal("invalid_ledger", mapped.Key);
        Assert.Equal(error.Message, mapped.Details);
    }

    /// <summary>
    /// A parallel writer checks the order on its formatting threads (each batch's rows) and while sealing (each batch's
    /// first row against the last one sealed): wherever the first row out of order falls — the first pair, the pair
    /// across the first batch boundary (the first batch holds 256 rows), anywhere else, the last pair — the export fails
    /// with the same row, ids and message as with one thread, and commits nothing.
    /// </summary>
    [Theory]
    [InlineData(ExportOrder.CreatedAtAscending, 2, 0)]
    [InlineData(ExportOrder.CreatedAtAscending, 2, 255)]
    [InlineData(ExportOrder.CreatedAtAscending, 3, 254)]
    [InlineData(ExportOrder.CreatedAtAscending, 4, 2600)]
    [InlineData(ExportOrder.CreatedAtAscending, 2, 5998)]
    [InlineData(ExportOrder.CreatedAtDescending, 2, 255)]
    [InlineData(ExportOrder.CreatedAtDescending, 3, 1777)]
    [InlineData(ExportOrder.CreatedAtDescending, 4, 4351)]
    public async Task AParallelExportNamesTheSameRowOutOfOrderAsOneThread(ExportOrder order, int parallelism, int swapAt)
    {
        var rows = InOrder(Rows.Many(6000), order);
        (rows[swapAt], rows[swapAt + 1]) = (rows[swapAt + 1], rows[swapAt]);

        async Task<(DeclaredOrderViolationException Error, InMemoryChunkSink Sink)> Run(int threads)
        {
            var request = SortKit.Request(order, NoSortPossible) with { Parallelism = threads };
            var sinks = new InMemoryChunkSinkFactory();
            var error = await Assert.ThrowsAsync<DeclaredOrderViolationException>(() => ExportEngine.RunAsync(
                request, new InMemoryTransactionSource(rows, 97, declaredOrder: order), sinks));
            return (error, sinks.Find(request.Export.Id)!);
        }

        var (serial, _) = await Run(1);
        var (parallel, sink) = await Run(parallelism);

        Assert.Equal(swapAt + 2, serial.Row);
        Assert.Equal(serial.Row, parallel.Row);
        Assert.Equal(serial.Id, parallel.Id);
        Assert.Equal(serial.PreviousId, parallel.PreviousId);
        Assert.Equal(serial.Message, parallel.Message);
        Assert.Empty(sink.Committed);
    }

    /// <summary>A null row where a batch starts fails a parallel export as it fails a serial one, and never escapes a worker.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ANullRowFailsTheExportWithAnyThreadCount(int parallelism)
    {
        VoucherTransaction?[] rows = InOrder(Rows.Many(1000), ExportOrder.CreatedAtAscending);
        rows[256] = null;
        var request = SortKit.Request(ExportOrder.CreatedAtAscending, NoSortPossible) with { Parallelism = parallelism };
        var sinks = new InMemoryChunkSinkFactory();

        await Assert.ThrowsAsync<ArgumentNullException>(() => ExportEngine.RunAsync(
            request, new InMemoryTransactionSource(rows!, 97, declaredOrder: ExportOrder.CreatedAtAscending), sinks));

        Assert.Empty(sinks.Find(request.Export.Id)!.Committed);
    }

    [Fact]
    public async Task RowsWithEqualKeysDoNotBreakTheOrder()
    {
        var twin = Rows.Make(1);
        var rows = new[] { twin, Rows.Make(1, reason: "same id, same instant"), Rows.Make(2) };
        var request = SortKit.Request(ExportOrder.CreatedAtAscending, NoSortPossible);
        byte[] bytes = await SortKit.ExportAsync(request, new InMemoryTransactionSource(rows, declaredOrder: ExportOrder.CreatedAtAscending));
        Assert.Equal(3, Encoding.UTF8.GetString(bytes).Split("vtx_").Length - 1);
    }

    [Fact]
    public async Task AJsonLinesLedgerDeclaredInTheWrongOrderFailsNamingTheIds()
    {
        using var temp = new TempFolder();
        string path = temp.File("ledger.jsonl");
        using (var file = File.Create(path))
        {
            new DemoLedger(300, seed: 3).WriteJsonLines(file);
        }

        var ascending = new DemoLedger(300, seed: 3).Transactions().ToArray();
        var source = new JsonLinesTransactionSource(path, new JsonLinesSourceOptions { DeclaredOrder = ExportOrder.CreatedAtDescending });
        var request = SortKit.Request(ExportOrder.CreatedAtDescending, NoSortPossible);

        var error = await Assert.ThrowsAsync<DeclaredOrderViolationException>(() => SortKit.ExportAsync(request, source));
        Assert.Equal(ascending[1].Id, error.Id);
        Assert.Equal(ascending[0].Id, error.PreviousId);
        Assert.Equal(2, error.Row);
    }

    [Fact]
    public async Task TheCliStreamsALedgerDeclaredWithSourceOrderAndRejectsAFalseDeclaration()
    {
        using var temp = new TempFolder();
        var (gen, _, genErr) = await Cli("generate", "--rows", "2000", "--seed", "9", "--out", temp.File("ledger.jsonl"));
        Assert.True(gen == 0, genErr);
        string parameters(string order) => $$"""{"order":"{{order}}","fields":["id","created_at","amount","details"]}""";

        var (ok, okOut, okErr) = await Cli("export", "--source", temp.File("ledger.jsonl"), "--source-order", "created_at",
            "--parameters", parameters("created_at"), "--out", temp.File("ok"), "--quiet");
        Assert.True(ok == ExitCodes.Done, okErr);
        using (var final = JsonDocument.Parse(okOut))
        {
            Assert.Equal(2000, final.RootElement.GetProperty("result").GetProperty("rows").GetInt64());
        }

        var (bad, badOut, _) = await Cli("export", "--source", temp.File("ledger.jsonl"), "--source-order", "-created_at",
            "--parameters", parameters("-created_at"), "--out", temp.File("bad"), "--quiet");
        Assert.Equal(ExitCodes.ExportFailed, bad);
        using (var final = JsonDocument.Parse(badOut))
        {
            var error = final.RootElement.GetProperty("error");
            Assert.Equal("invalid_ledger", error.GetProperty("key").GetString());
            var first = new DemoLedger(2000, seed: 9).Transactions().Take(2).ToArray();
            Assert.Contains($"row 2 ({first[1].Id}", error.GetProperty("details").GetString(), StringComparison.Ordinal);
            Assert.Contains($"comes after {first[0].Id}", error.GetProperty("details").GetString(), StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(temp.File("bad")) && Directory.EnumerateFiles(temp.File("bad"), "*", SearchOption.AllDirectories).Any());
    }

    [Theory]
    [InlineData("newest", "ledger.jsonl")]
    [InlineData("created_at", "demo:10")]
    [InlineData("created_at", "ledger.csv")]
    public async Task ABadSourceOrderIsBadInput(string order, string source)
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("ledger.jsonl"), "");
        File.WriteAllText(temp.File("ledger.csv"), "");
        string path = source.StartsWith("demo:", StringComparison.Ordinal) ? source : temp.File(source);
        var (code, stdout, stderr) = await Cli("export", "--source", path, "--source-order", order, "--out", temp.File("out"), "--quiet");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("", stdout);
        Assert.Contains("--source-order", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Err)> Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CliApp.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }
}

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

namespace VoucherExport.Tests.Engine;

/// <summary>
/// Progress a person can read: the phase (reading, sorting, merging, writing), how much of it is done out of a known
/// total (a file's bytes, a demo or in-memory ledger's rows), and how the CLI shows it.
/// </summary>
public class ProgressPhaseTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task AStreamedFileExportCountsTheFileBytesUpToItsLength(int threads)
    {
        using var temp = new TempFolder();
        string ledger = WriteLedger(temp, 2_000, out long length);
        var source = new JsonLinesTransactionSource(ledger, new JsonLinesSourceOptions { DeclaredOrder = ExportOrder.CreatedAtAscending });
        var seen = new ProgressLog();

        await ExportEngine.RunAsync(Request(ExportOrder.CreatedAtAscending, threads), source, new InMemoryChunkSinkFactory(), seen);

        List<ExportProgress> during = seen.All[..^1];
        Assert.NotEmpty(during);
        Assert.All(during, p => Assert.Equal((ExportPhase.Writing, ProgressUnit.Bytes, length), (p.Phase, p.PhaseUnit, p.PhaseTotal)));
        Assert.Equal(during.Select(p => p.PhaseDone).Order(), during.Select(p => p.PhaseDone));
        Assert.Equal(length, during[^1].PhaseDone);
        Assert.Equal((ExportPhase.Writing, 1.0), (seen.All[^1].Phase, seen.All[^1].PhaseFraction));
    }

    [Fact]
    public async Task ASortedFileExportReadsThenSortsThenWritesTheRowsItCollected()
    {
        using var temp = new TempFolder();
        string ledger = WriteLedger(temp, 1_500, out long length);
        var seen = new ProgressLog();

        await ExportEngine.RunAsync(
            Request(ExportOrder.CreatedAtDescending, 1), new JsonLinesTransactionSource(ledger), new InMemoryChunkSinkFactory(), seen);

        Assert.Equal([ExportPhase.Reading, ExportPhase.Sorting, ExportPhase.Writing], Phases(seen.All));
        List<ExportProgress> reading = [.. seen.All.Where(p => p.Phase == ExportPhase.Reading)];
        Assert.All(reading, p => Assert.Equal((0L, ProgressUnit.Bytes, length), (p.Rows, p.PhaseUnit, p.PhaseTotal)));
        Assert.Equal(length, reading[^1].PhaseDone);
        List<ExportProgress> writing = [.. seen.All.Where(p => p.Phase == ExportPhase.Writing)];
        Assert.All(writing, p => Assert.Equal((ProgressUnit.Rows, 1_500L), (p.PhaseUnit, p.PhaseTotal)));
        Assert.Equal(1_500L, writing[^1].PhaseDone);
    }

    [Fact]
    public async Task ASortThatSpillsMergesAndCountsRowsOfTheDemoLedger()
    {
        using var temp = new TempFolder();
        var source = new DemoLedger(3_000, 4).AsSource(batchSize: 100);
        var request = Request(ExportOrder.CreatedAtDescending, 1) with { Sort = new SortOptions { MemoryBudgetBytes = 64 * 1024, TempFolder = temp.Path } };
        var seen = new ProgressLog();

        await ExportEngine.RunAsync(request, source, new InMemoryChunkSinkFactory(), seen);

        Assert.Equal([ExportPhase.Reading, ExportPhase.Sorting, ExportPhase.Merging, ExportPhase.Writing], Phases(seen.All));
        Assert.All(seen.All.Where(p => p.Phase == ExportPhase.Reading), p => Assert.Equal((ProgressUnit.Rows, 3_000L), (p.PhaseUnit, p.PhaseTotal)));
        Assert.Equal(3_000L, seen.All.Last(p => p.Phase == ExportPhase.Reading).PhaseDone);
        Assert.Equal(3_000L, seen.All.Last(p => p.Phase == ExportPhase.Merging).PhaseDone);
    }

    [Fact]
    public void ThePhaseIsInTheProgressJsonAndReadBack()
    {
        var export = new ExportObject { Id = "exp_1", CreatedAt = DateTimeOffset.UnixEpoch, Parameters = ExportParameters.Default };
        foreach (ExportPhase phase in Enum.GetValues<ExportPhase>())
        {
            var running = export with { Status = ExportStatus.InProgress, Progress = new ExportProgress(5, 50, 1) { Phase = phase } };
            string json = Encoding.UTF8.GetString(ExportJson.ToUtf8(running, indented: false));
            Assert.Contains($"\"phase\":\"{phase.ToString().ToLowerInvariant()}\"", json, StringComparison.Ordinal);
            using var document = JsonDocument.Parse(json);
            Assert.Equal(phase, ExportJsonReader.Read(document.RootElement).Progress!.Value.Phase);
            Assert.DoesNotContain("\"percent\"", json, StringComparison.Ordinal);
        }

        // With a known total the phase's percent is there too (the console's bar and ETA of a streamed file export).
        var reading = export with { Status = ExportStatus.InProgress, Progress = Progress(ExportPhase.Writing, 1 << 20, 3 << 20, ProgressUnit.Bytes) };
        string withTotal = Encoding.UTF8.GetString(ExportJson.ToUtf8(reading, indented: false));
        Assert.Contains("\"phase\":\"writing\",\"percent\":33.3", withTotal, StringComparison.Ordinal);
        using var back = JsonDocument.Parse(withTotal);
        Assert.Equal(ExportPhase.Writing, ExportJsonReader.Read(back.RootElement).Progress!.Value.Phase);
    }

    [Fact]
    public void TheEstimateGivesPercentAndTimeLeftFromTheRateOfThePhase()
    {
        var estimate = new ProgressEstimate();
        estimate.Update(Progress(ExportPhase.Reading, 0, 1000), TimeSpan.FromSeconds(1));
        Assert.Equal((0.0, null), (estimate.Percent, estimate.Remaining));

        // 250 of 1000 in 2 s since the phase was first seen: 750 more take 6 s.
        estimate.Update(Progress(ExportPhase.Reading, 250, 1000), TimeSpan.FromSeconds(3));
        Assert.Equal((25.0, TimeSpan.FromSeconds(6)), (estimate.Percent, estimate.Remaining));

        // A new phase starts its own window: no time left until it has one.
        estimate.Update(Progress(ExportPhase.Writing, 100, 400), TimeSpan.FromSeconds(4));
        Assert.Equal((25.0, null), (estimate.Percent, estimate.Remaining));
        estimate.Update(Progress(ExportPhase.Writing, 200, 400), TimeSpan.FromSeconds(5));
        Assert.Equal((50.0, TimeSpan.FromSeconds(2)), (estimate.Percent, estimate.Remaining));

        // No total: no percent, no time left.
        estimate.Update(Progress(ExportPhase.Sorting, 0, 0), TimeSpan.FromSeconds(6));
        Assert.Equal((null, null), (estimate.Percent, estimate.Remaining));
    }

    [Fact]
    public void TheCliLineShowsThePhaseABarAndWhatWasReadBeforeAnyRowIsWritten()
    {
        var estimate = new ProgressEstimate();
        estimate.Update(Progress(ExportPhase.Reading, 0, 4 << 20, ProgressUnit.Bytes), TimeSpan.Zero);
        estimate.Update(Progress(ExportPhase.Reading, 1 << 20, 4 << 20, ProgressUnit.Bytes), TimeSpan.FromSeconds(2));

        string line = ProgressDisplay.Line(Progress(ExportPhase.Reading, 1 << 20, 4 << 20, ProgressUnit.Bytes), TimeSpan.FromSeconds(2), estimate, "|");

        Assert.StartsWith("reading [######..................]  25.0%  ETA 00:00:06", line, StringComparison.Ordinal);
        Assert.Contains("1.0 of 4.0 MB read", line, StringComparison.Ordinal);
        Assert.DoesNotContain("rows/s", line, StringComparison.Ordinal);

        var sorting = new ProgressEstimate();
        sorting.Update(Progress(ExportPhase.Sorting, 0, 0), TimeSpan.FromSeconds(3));
        Assert.Equal("sorting [|]  00:00:03", ProgressDisplay.Line(Progress(ExportPhase.Sorting, 0, 0), TimeSpan.FromSeconds(3), sorting, "|"));

        string json = ProgressDisplay.Json(Progress(ExportPhase.Reading, 1 << 20, 4 << 20, ProgressUnit.Bytes), TimeSpan.FromSeconds(2), estimate);
        Assert.StartsWith("""{"phase":"reading","percent":25.0,"eta_seconds":6,"rows":0,""", json, StringComparison.Ordinal);
    }

    private static ExportProgress Progress(ExportPhase phase, long done, long total, ProgressUnit unit = ProgressUnit.Rows)
        => new(0, 0, 0) { Phase = phase, PhaseDone = done, PhaseTotal = total, PhaseUnit = unit };

    private static List<ExportPhase> Phases(List<ExportProgress> all)
    {
        var phases = new List<ExportPhase>();
        foreach (ExportProgress p in all)
        {
            if (phases.Count == 0 || phases[^1] != p.Phase)
            {
                phases.Add(p.Phase);
            }
        }

        return phases;
    }

    private static ExportRequest Request(ExportOrder order, int threads)
        => ExportRequest.For(new ExportParameters(order, TransactionFields.All, null)) with { Parallelism = threads };

    private static string WriteLedger(TempFolder temp, int rows, out long length)
    {
        string path = temp.File("ledger.jsonl");
        using (var file = File.Create(path))
        {
            new DemoLedger(rows, 9).WriteJsonLines(file);
        }

        length = new FileInfo(path).Length;
        return path;
    }

    /// <summary>Every report, in order (they come from the engine's thread).</summary>
    private sealed class ProgressLog : IProgress<ExportProgress>
    {
        private readonly Lock _gate = new();
        private readonly List<ExportProgress> _all = [];

        public List<ExportProgress> All
        {
            get
            {
                lock (_gate)
                {
                    return [.. _all];
                }
            }
        }

        public void Report(ExportProgress value)
        {
            lock (_gate)
            {
                _all.Add(value);
            }
        }
    }
}

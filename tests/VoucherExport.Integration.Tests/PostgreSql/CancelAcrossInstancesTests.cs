using VoucherExport.Demo;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>An operator cancels, from one instance, an export another instance runs (the console's Cancel button).</summary>
public class CancelAcrossInstancesTests
{
    [PostgresFact]
    public async Task TheRunningInstanceStopsAtItsNextHeartbeatAndRemovesItsFiles()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: false, exports: true);
        var sinks = new TrackingSinkFactory();
        // Oldest first streams from the demo source: three batches of 200 rows become chunks before the pause.
        var paused = new PausingSource(new DemoLedger(2000, seed: 3).AsSource(200), pauseAfter: 3);
        var fast = new ExportRegistryOptions
        {
            MaxConcurrentExports = 1,
            LeaseDuration = TimeSpan.FromSeconds(2),
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            PollInterval = TimeSpan.FromMilliseconds(50),
            Chunks = new VoucherExport.Chunks.ChunkLimits { MaxChunkRows = 100 },
            WorkerName = "runner",

            // One thread commits each chunk as it fills; the parallel writer keeps batches in flight, so 600 rows could
            // all still be in flight at the pause.
            Parallelism = 1,
        };
        await using var runner = new ExportRegistry(new PostgresExportStore(db.DataSource, db.Exports), paused, sinks, fast);
        ExportObject export = await runner.CreateAsync("app", ExportScope.All,
            VoucherExport.Parameters.ExportParameters.Default with { Order = VoucherExport.Parameters.ExportOrder.CreatedAtAscending });
        await paused.Paused;
        for (DateTime deadline = DateTime.UtcNow.AddSeconds(30); sinks.Find(export.Id) is not { Committed.Count: > 0 };)
        {
            Assert.True(DateTime.UtcNow < deadline, "no chunk was committed before the pause");
            await Task.Delay(20);
        }

        // The other instance runs nothing itself (its source is never read); it only cancels through the shared store.
        await using var console = new ExportRegistry(new PostgresExportStore(db.DataSource, db.Exports), new InMemoryTransactionSource([]), sinks,
            fast with { WorkerName = "console" });
        Assert.True(await console.CancelAsync("app", export.Id));

        ExportObject ended = (await console.GetAsync("app", export.Id))!;
        Assert.Equal((ExportStatus.Error, "export_cancelled"), (ended.Status, ended.Error!.Key));
        Assert.Equal("an operator cancelled the export before it finished", ended.Error.Details);

        // The runner sees its lease gone at its next heartbeat, stops reading, and leaves nothing behind.
        await paused.Ended.WaitAsync(TimeSpan.FromSeconds(30));
        await runner.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(sinks.Find(export.Id)?.Committed ?? []);
        Assert.Equal(ExportStatus.Error, (await runner.GetAsync("app", export.Id))!.Status);
        Assert.False(await console.CancelAsync("app", export.Id));
    }
}

using Microsoft.Extensions.Time.Testing;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>The operator's queries (the console's and the health check's), run against the in-memory and the PostgreSQL store.</summary>
public class ExportStoreMonitorContractTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact]
    public Task TheInMemoryStoreAnswersTheOperatorsQueries()
    {
        var clock = new FakeTimeProvider(T0.AddSeconds(40));
        var store = new InMemoryExportStore(clock);
        return AnswersAsync(store, store, finishedAtIsClock: true);
    }

    [PostgresFact]
    public async Task ThePostgresStoreAnswersTheOperatorsQueries()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: false, exports: true);
        var store = new PostgresExportStore(db.DataSource, CallerClock(db));
        await AnswersAsync(store, store, finishedAtIsClock: false);
    }

    private static ExportJob Job(string app, DateTimeOffset createdAt) => new(
        app,
        new ExportObject { Id = ExportIds.NewId(), CreatedAt = createdAt, Parameters = PgTestData.AllFields("-created_at", null) },
        CsvFormat.Default,
        new ChunkLimits { MaxChunkBytes = 1 << 20 });

    private static async Task AnswersAsync(IExportStore store, IExportStoreMonitor monitor, bool finishedAtIsClock)
    {
        ExportJob a = Job("app", T0), b = Job("app", T0.AddSeconds(1)), c = Job("app", T0.AddSeconds(2)),
            d = Job("app", T0.AddSeconds(3)), other = Job("other", T0.AddSeconds(4));
        foreach (var job in new[] { a, b, c, d, other })
        {
            await store.AddAsync(job, default);
        }

        // a and b on instance "node-1" (two slots), c on "node-2"; c's worker dies (its lease runs out at T0 + 30 s).
        ExportClaim ca = (await store.TryClaimAsync("node-1/0", T0.AddSeconds(10), Lease, default))!;
        ExportClaim cb = (await store.TryClaimAsync("node-1/1", T0.AddSeconds(10), Lease, default))!;
        ExportClaim cc = (await store.TryClaimAsync("node-2/0", T0, Lease, default))!;
        Assert.Equal([a.Export.Id, b.Export.Id, c.Export.Id], [ca.Job.Export.Id, cb.Job.Export.Id, cc.Job.Export.Id]);
        Assert.True(await store.TryRenewAsync(ca.Lease, T0.AddSeconds(20), Lease, new ExportProgress(5, 500, 1), default));
        ExportJob bDone = b with { Export = b.Export with { Status = ExportStatus.Done, Result = new ExportResultInfo(null, [], 0, 0) } };
        Assert.True(await store.TryFinishAsync(bDone, cb.Lease, default));

        DateTimeOffset now = T0.AddSeconds(40);
        ExportStoreOverview all = await monitor.GetOverviewAsync(null, now, default);
        Assert.Equal(2, all.Scheduled);                                   // d and other
        Assert.Equal(T0.AddSeconds(3), all.OldestScheduledAt);
        Assert.Equal([new InstanceLoad("node-1", 1)], all.Running);       // a; c's lease ran out, b is done
        Assert.Equal(1, all.ExpiredLeases);
        Assert.Equal(T0.AddSeconds(30), all.OldestExpiredLeaseAt);
        Assert.NotNull(all.LastActivityAt);

        ExportStoreOverview mine = await monitor.GetOverviewAsync(["other"], now, default);
        Assert.Equal((1, 0, 0), (mine.Scheduled, mine.Running.Count, mine.ExpiredLeases));
        ExportStoreOverview none = await monitor.GetOverviewAsync(["nobody"], now, default);
        Assert.Equal((0, (DateTimeOffset?)null, (DateTimeOffset?)null), (none.Scheduled, none.OldestScheduledAt, none.LastActivityAt));

        // Newest first, every application or the chosen ones, with the run details.
        IReadOnlyList<ExportRecord> records = await monitor.ListRecentAsync(null, 10, default);
        Assert.Equal([other.Export.Id, d.Export.Id, c.Export.Id, b.Export.Id, a.Export.Id], records.Select(r => r.Job.Export.Id));
        ExportRecord ra = records.Single(r => r.Job.Export.Id == a.Export.Id);
        Assert.Equal(("node-1/0", T0.AddSeconds(50), 1, T0.AddSeconds(10)), (ra.LeaseOwner, ra.LeaseExpiresAt, ra.Attempts, ra.StartedAt));
        Assert.Equal(new ExportProgress(5, 500, 1), ra.Job.Export.Progress);
        Assert.Null(ra.FinishedAt);
        ExportRecord rb = records.Single(r => r.Job.Export.Id == b.Export.Id);
        Assert.Equal((ExportStatus.Done, (string?)null, (DateTimeOffset?)null), (rb.Job.Export.Status, rb.LeaseOwner, rb.LeaseExpiresAt));
        Assert.NotNull(rb.FinishedAt);
        if (finishedAtIsClock)
        {
            Assert.Equal(now, rb.FinishedAt);
        }

        ExportRecord rd = records.Single(r => r.Job.Export.Id == d.Export.Id);
        Assert.Equal((0, (DateTimeOffset?)null, (string?)null), (rd.Attempts, rd.StartedAt, rd.LeaseOwner));
        Assert.Equal([d.Export.Id, c.Export.Id], (await monitor.ListRecentAsync(["app"], 2, default)).Select(r => r.Job.Export.Id));
        Assert.Equal([other.Export.Id], (await monitor.ListRecentAsync(["other", "nobody"], 10, default)).Select(r => r.Job.Export.Id));

        // A hand-back counts as a lease that ran out.
        await store.ReleaseAsync(ca.Lease, default);
        ExportStoreOverview released = await monitor.GetOverviewAsync(null, now, default);
        Assert.Equal((0, 2), (released.Running.Count, released.ExpiredLeases));
    }

    // The contract drives leases with explicit instants, so the store takes the caller's clock here; the database's
    // clock (the default) is proven by ResumeServiceTests.
    private static PostgresExportStoreOptions CallerClock(PgTestDatabase db) => db.Exports with { LeaseClock = LeaseClock.Caller };
}

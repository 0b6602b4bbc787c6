using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>The same contract, run against the in-memory store and the PostgreSQL store.</summary>
public class ExportStoreContractTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact]
    public Task TheInMemoryStoreKeepsTheContract() => KeepsTheContractAsync(new InMemoryExportStore());

    [PostgresFact]
    public async Task ThePostgresStoreKeepsTheContract()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: false, exports: true);
        await KeepsTheContractAsync(new PostgresExportStore(db.DataSource, CallerClock(db)));

        // A new store over the same table (a restart) sees what the first one stored.
        var again = new PostgresExportStore(db.DataSource, CallerClock(db));
        var page = await again.ListAsync("app", 10, 1, ExportListOrder.CreatedAtAscending, default);
        Assert.Equal(3, page.Total);
        Assert.Equal(["DONE", "IN_PROGRESS", "SCHEDULED"], page.Exports.Select(e => ExportStateMachine.Name(e.Status)).Order(StringComparer.Ordinal));
    }

    private static ExportJob Job(string app, DateTimeOffset createdAt, CsvFormat? csv = null) => new(
        app,
        new ExportObject { Id = ExportIds.NewId(), CreatedAt = createdAt, Parameters = PgTestData.AllFields("-created_at", """{"amount":{"conditions":{"$more_than":5}}}""") },
        csv ?? CsvFormat.Default,
        new ChunkLimits { MaxChunkBytes = 12345, MaxChunkRows = 77 });

    private static async Task KeepsTheContractAsync(IExportStore store)
    {
        var csv = new CsvFormat { Delimiter = ';', Newline = CsvNewline.Lf, Bom = true, Header = CsvHeaderStyle.Names, FormulaGuard = true };
        ExportJob a = Job("app", T0, csv), b = Job("app", T0), c = Job("app", T0.AddSeconds(1)), other = Job("other", T0);
        foreach (var job in new[] { a, b, c, other })
        {
            await store.AddAsync(job, default);
        }

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.AddAsync(a, default));
        Assert.Null(await store.GetAsync("other", a.Export.Id, default));
        ExportJob read = (await store.GetAsync("app", a.Export.Id, default))!;
        Assert.Equal(csv, read.Csv);
        Assert.Equal(a.Chunks, read.Chunks);
        Assert.Equal(ExportJson.ToUtf8(a.Export), ExportJson.ToUtf8(read.Export));

        // Claims: oldest first, ties in creation order; nothing twice while the lease holds.
        ExportClaim first = (await store.TryClaimAsync("w1", T0, Lease, default))!;
        Assert.Equal((a.Export.Id, 1, ExportStatus.InProgress), (first.Job.Export.Id, first.Lease.Attempt, first.Job.Export.Status));
        ExportClaim second = (await store.TryClaimAsync("w2", T0, Lease, default))!;
        Assert.Equal(b.Export.Id, second.Job.Export.Id);
        ExportClaim third = (await store.TryClaimAsync("w2", T0, Lease, default))!;
        Assert.Equal(other.Export.Id, third.Job.Export.Id);
        ExportClaim fourth = (await store.TryClaimAsync("w2", T0, Lease, default))!;
        Assert.Equal(c.Export.Id, fourth.Job.Export.Id);
        Assert.Null(await store.TryClaimAsync("w3", T0.AddSeconds(29), Lease, default));

        // Renewal keeps the lease and stores progress, its phase included, so every instance shows the same.
        var progress = new ExportProgress(10, 1000, 1)
        {
            Phase = ExportPhase.Merging, PhaseDone = 10, PhaseTotal = 40, PhaseUnit = VoucherExport.Transactions.ProgressUnit.Rows,
        };
        Assert.True(await store.TryRenewAsync(first.Lease, T0.AddSeconds(20), Lease, progress, default));
        Assert.Equal(progress, (await store.GetAsync("app", a.Export.Id, default))!.Export.Progress);
        Assert.False(await store.TryRenewAsync(first.Lease with { Owner = "w9" }, T0.AddSeconds(20), Lease, default, default));

        // b's lease runs out at T0 + 30 s; a's was renewed to T0 + 50 s. A takeover gets b as claim 2, with its first start.
        ExportClaim takeover = (await store.TryClaimAsync("w3", T0.AddSeconds(31), Lease, default))!;
        Assert.Equal((b.Export.Id, 2, T0), (takeover.Job.Export.Id, takeover.Lease.Attempt, takeover.StartedAt));
        ExportJob bDone = b with { Export = b.Export with { Status = ExportStatus.Done, Result = new ExportResultInfo(null, [], 0, 0) } };
        Assert.False(await store.TryRenewAsync(second.Lease, T0.AddSeconds(31), Lease, default, default));
        Assert.False(await store.TryFinishAsync(bDone, second.Lease, default));
        Assert.True(await store.TryFinishAsync(bDone, takeover.Lease, default));
        Assert.False(await store.TryFinishAsync(bDone with { Export = bDone.Export with { Status = ExportStatus.Error } }, takeover.Lease, default));
        Assert.False(await store.TryUpdateAsync(bDone, ExportStatus.InProgress, default));
        Assert.Equal(ExportStatus.Done, (await store.GetAsync("app", b.Export.Id, default))!.Export.Status);

        Assert.True(await store.RemoveAsync("other", other.Export.Id, default));

        // A release hands the export back at once, before its lease would run out.
        await store.ReleaseAsync(fourth.Lease, default);
        ExportClaim again = (await store.TryClaimAsync("w4", T0.AddSeconds(32), Lease, default))!;
        Assert.Equal((c.Export.Id, 2), (again.Job.Export.Id, again.Lease.Attempt));
        Assert.Null(await store.TryClaimAsync("w4", T0.AddSeconds(32), Lease, default));

        // Compare-and-set moves, and removal.
        Assert.False(await store.RemoveAsync("other", other.Export.Id, default));
        Assert.False(await store.TryRenewAsync(third.Lease, T0.AddSeconds(32), Lease, default, default));
        ExportJob scheduled = Job("app", T0.AddSeconds(2));
        await store.AddAsync(scheduled, default);
        Assert.False(await store.TryUpdateAsync(scheduled with { Export = scheduled.Export with { Status = ExportStatus.Done } }, ExportStatus.Scheduled, default));

        var newest = await store.ListAsync("app", 2, 1, ExportListOrder.CreatedAtDescending, default);
        Assert.Equal(4, newest.Total);
        Assert.Equal([scheduled.Export.Id, c.Export.Id], newest.Exports.Select(e => e.Id));
        var byStatus = await store.ListAsync("app", 10, 1, ExportListOrder.StatusAscending, default);
        Assert.Equal(["DONE", "IN_PROGRESS", "IN_PROGRESS", "SCHEDULED"], byStatus.Exports.Select(e => ExportStateMachine.Name(e.Status)));

        // Leave a final, a running and a scheduled export for the restart check of the PostgreSQL store.
        Assert.True(await store.RemoveAsync("app", c.Export.Id, default));
    }

    // The contract drives leases with explicit instants, so the store takes the caller's clock here; the database's
    // clock (the default) is proven by ResumeServiceTests.
    private static PostgresExportStoreOptions CallerClock(PgTestDatabase db) => db.Exports with { LeaseClock = LeaseClock.Caller };
}

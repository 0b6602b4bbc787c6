using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>Registries sharing one PostgreSQL store: restarts, many instances, a dead worker's export taken over.</summary>
public class DurableRegistryTests
{
    private static readonly ChunkLimits SmallChunks = new() { MaxChunkBytes = 16 * 1024 };

    private static ExportRegistryOptions Options(int workers, string name) => new()
    {
        MaxConcurrentExports = workers,
        Chunks = SmallChunks,
        WorkerName = name,
        PollInterval = TimeSpan.FromMilliseconds(50),

        // One thread: where a paused run stands (which chunks it has opened) then follows from the rows read alone.
        Parallelism = 1,
    };

    private static async Task<(PgTestDatabase Db, List<byte[]> Reference)> LedgerAsync(int rows)
    {
        var db = await PgTestDatabase.CreateAsync(ledger: true, exports: true);
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(rows, seed: 9).AsSource(), db.Ledger);
        var reference = await PgTestData.ExportAsync(
            PgTestData.Request(VoucherExport.Parameters.ExportParameters.Default, SmallChunks), new PostgresTransactionSource(db.DataSource, db.Ledger));
        return (db, reference);
    }

    private static List<byte[]> Chunks(TrackingSinkFactory sinks, ExportObject done)
    {
        var byName = sinks.Find(done.Id)!.Committed.ToDictionary(p => p.Key, p => p.Value);
        return [.. done.Result!.Chunks.Select(c => byName[c.Info.Name])];
    }

    private static void AssertSameBytes(List<byte[]> expected, List<byte[]> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].AsSpan().SequenceEqual(actual[i]), $"chunk {i + 1} differs");
        }
    }

    [PostgresFact]
    public async Task TwoRegistriesOnOneDatabaseRunTwentyExportsEachExactlyOnce()
    {
        var (db, reference) = await LedgerAsync(3000);
        await using var _ = db;
        var sinks = new TrackingSinkFactory();
        var source = new PostgresTransactionSource(db.DataSource, db.Ledger);
        await using var one = new ExportRegistry(new PostgresExportStore(db.DataSource, db.Exports), source, sinks, Options(2, "one"));
        await using var two = new ExportRegistry(new PostgresExportStore(db.DataSource, db.Exports), source, sinks, Options(2, "two"));

        var created = new List<ExportObject>();
        for (int i = 0; i < 20; i++)
        {
            created.Add(await (i % 2 == 0 ? one : two).CreateAsync("app", ExportScope.All, VoucherExport.Parameters.ExportParameters.Default));
        }

        foreach (var export in created)
        {
            // Each waits through the other registry, which may or may not be the one that ran it.
            ExportObject done = (await (created.IndexOf(export) % 2 == 0 ? two : one).WaitAsync("app", export.Id))!;
            Assert.Equal(ExportStatus.Done, done.Status);
            AssertSameBytes(reference, Chunks(sinks, done));
            Assert.Equal(1, sinks.EventsOf(export.Id).Count(e => e == "chunk part-00001.csv"));
            Assert.Equal(1, sinks.EventsOf(export.Id).Count(e => e == "manifest"));
        }

        await using var command = db.DataSource.CreateCommand(
            $"SELECT count(*), count(DISTINCT split_part(lease_owner, '/', 1)), max(attempts) FROM \"{db.Schema}\".voucher_exports");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(20L, reader.GetInt64(0));
        Assert.Equal(1, reader.GetInt32(2));
    }

    [PostgresFact]
    public async Task ADeadWorkersExportIsTakenOverAndFinishesWithTheSameBytes()
    {
        var (db, reference) = await LedgerAsync(3000);
        await using var _ = db;
        var sinks = new TrackingSinkFactory();
        var start = new DateTimeOffset(2024, 6, 1, 9, 0, 0, TimeSpan.Zero);

        // Worker A: its clock never moves, so it never renews its lease: a process frozen mid-export.
        var frozenClock = new FakeTimeProvider(start);
        var stuck = new PausingSource(new PostgresTransactionSource(db.DataSource, db.Ledger with { BatchSize = 100 }), pauseAfter: 8);
        // The leases run on the registries' fake clocks here (the caller's clock), so A's lease runs out on B's.
        var callerClock = db.Exports with { LeaseClock = LeaseClock.Caller };
        var storeA = new RecordingStore(new PostgresExportStore(db.DataSource, callerClock));
        var a = new ExportRegistry(storeA, stuck, sinks, Options(1, "a"), time: frozenClock);
        ExportObject export = await a.CreateAsync("app", ExportScope.All, VoucherExport.Parameters.ExportParameters.Default);
        await stuck.Paused;
        Assert.Contains("chunk part-00002.csv", sinks.EventsOf(export.Id));

        // Worker B starts after A's lease ran out on its clock, claims the export and runs it from scratch.
        var laterClock = new FakeTimeProvider(start + TimeSpan.FromMinutes(1));
        var storeB = new RecordingStore(new PostgresExportStore(db.DataSource, callerClock));
        await using var b = new ExportRegistry(storeB, new PostgresTransactionSource(db.DataSource, db.Ledger), sinks, Options(1, "b"), time: laterClock);
        ExportObject done = (await b.WaitAsync("app", export.Id))!;
        Assert.Equal(ExportStatus.Done, done.Status);
        AssertSameBytes(reference, Chunks(sinks, done));
        List<string> events = sinks.EventsOf(export.Id);
        int restart = events.IndexOf("delete");
        Assert.True(restart > events.IndexOf("chunk part-00002.csv"), string.Join(", ", events));
        Assert.Equal("chunk part-00001.csv", events[restart + 1]);

        // A wakes up: it may not publish, finish or delete anything of B's.
        stuck.Release();
        await stuck.Ended;
        await a.DisposeAsync();
        Assert.DoesNotContain(true, storeA.Finishes);
        Assert.Equal([true], storeB.Finishes);
        Assert.Equal(1, events.Count(e => e == "manifest"));
        Assert.Equal(1, sinks.EventsOf(export.Id).Count(e => e == "manifest"));
        AssertSameBytes(reference, Chunks(sinks, done));
        var stored = await storeB.GetAsync("app", export.Id, default);
        Assert.Equal(ExportJson.ToUtf8(done), ExportJson.ToUtf8(stored!.Export));
    }

    [PostgresFact]
    public async Task ExportsSurviveARestartOfTheOnlyRegistry()
    {
        var (db, reference) = await LedgerAsync(3000);
        await using var _ = db;
        var sinks = new TrackingSinkFactory();
        var paused = new PausingSource(new PostgresTransactionSource(db.DataSource, db.Ledger with { BatchSize = 100 }), pauseAfter: 5);
        var first = new ExportRegistry(new PostgresExportStore(db.DataSource, db.Exports), paused, sinks, Options(1, "first"));
        ExportObject running = await first.CreateAsync("app", ExportScope.All, VoucherExport.Parameters.ExportParameters.Default);
        await paused.Paused;
        ExportObject waiting = await first.CreateAsync("app", ExportScope.All, VoucherExport.Parameters.ExportParameters.Default);
        await first.DisposeAsync();

        // Shut down with a shared store: the running export is handed back, the scheduled one stays scheduled.
        var store = new PostgresExportStore(db.DataSource, db.Exports);
        Assert.Equal(ExportStatus.InProgress, (await store.GetAsync("app", running.Id, default))!.Export.Status);
        Assert.Equal(ExportStatus.Scheduled, (await store.GetAsync("app", waiting.Id, default))!.Export.Status);

        // What it had committed stays as stored, exactly the chunks the registry recorded; the next run goes on after them.
        IReadOnlyList<ChunkInfo> recorded = await store.GetChunksAsync(running.Id, default);
        Assert.NotEmpty(recorded);
        Assert.Equal(recorded.Select(c => c.Name), sinks.Find(running.Id)!.Committed.Select(p => p.Key).Order(StringComparer.Ordinal));

        await using var second = new ExportRegistry(store, new PostgresTransactionSource(db.DataSource, db.Ledger), sinks, Options(1, "second"));
        foreach (var export in new[] { running, waiting })
        {
            ExportObject done = (await second.WaitAsync("app", export.Id))!;
            Assert.Equal(ExportStatus.Done, done.Status);
            AssertSameBytes(reference, Chunks(sinks, done));
        }
    }

    [PostgresFact]
    public async Task AJsonLinesLedgerExportResumesAtTheByteOffsetItsLastChunkRecorded()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: false, exports: true);
        var file = new MemoryStream();
        new DemoLedger(3000, seed: 9).WriteJsonLines(file);
        byte[] ledger = file.ToArray();
        var reads = new ConcurrentQueue<VoucherExport.Tests.Transactions.ReadPositionStream>();
        JsonLinesTransactionSource Source() => new(
            _ =>
            {
                var stream = new VoucherExport.Tests.Transactions.ReadPositionStream(ledger);
                reads.Enqueue(stream);
                return ValueTask.FromResult<Stream>(stream);
            },
            "ledger.jsonl",
            new JsonLinesSourceOptions { DeclaredOrder = VoucherExport.Parameters.ExportOrder.CreatedAtAscending, BatchSize = 100 });
        var parameters = VoucherExport.Parameters.ExportParameters.Default with { Order = VoucherExport.Parameters.ExportOrder.CreatedAtAscending };
        List<byte[]> reference = await PgTestData.ExportAsync(PgTestData.Request(parameters, SmallChunks), Source());

        // The first registry stops mid-export with a shared store: it hands the export back with its committed chunks.
        var sinks = new TrackingSinkFactory();
        var paused = new PausingSource(Source(), pauseAfter: 12);
        var first = new ExportRegistry(new PostgresExportStore(db.DataSource, db.Exports), paused, sinks, Options(1, "first"));
        ExportObject running = await first.CreateAsync("app", ExportScope.All, parameters);
        await paused.Paused;
        await first.DisposeAsync();

        // Each recorded chunk holds where its rows end in the file, stored by PostgreSQL.
        var store = new PostgresExportStore(db.DataSource, db.Exports);
        IReadOnlyList<ChunkInfo> recorded = await store.GetChunksAsync(running.Id, default);
        Assert.NotEmpty(recorded);
        Assert.All(recorded, chunk => Assert.Equal((byte)'\n', ledger[chunk.SourceOffset!.Value - 1]));
        long offset = recorded[^1].SourceOffset!.Value;

        int opened = reads.Count;
        await using var second = new ExportRegistry(store, Source(), sinks, Options(1, "second"));
        ExportObject done = (await second.WaitAsync("app", running.Id))!;
        Assert.Equal(ExportStatus.Done, done.Status);
        AssertSameBytes(reference, Chunks(sinks, done));

        // The second attempt read the file from that offset on (and the committed row's line before it), not from byte 0.
        var resumed = reads.Skip(opened).Single();
        Assert.Contains(offset, resumed.ReadsAt);
        Assert.True(resumed.BytesRead <= ledger.Length - offset + 64 * 1024, $"{resumed.BytesRead} bytes read after offset {offset} of {ledger.Length}");
    }

    /// <summary>A store that records the outcome of every attempt to finish an export.</summary>
    private sealed class RecordingStore(IExportStore inner) : IExportStore
    {
        public ConcurrentQueue<bool> Finishes { get; } = new();

        public bool IsShared => inner.IsShared;

        public ValueTask AddAsync(ExportJob job, CancellationToken cancellationToken) => inner.AddAsync(job, cancellationToken);

        public ValueTask<ExportJob?> GetAsync(string appId, string exportId, CancellationToken cancellationToken) =>
            inner.GetAsync(appId, exportId, cancellationToken);

        public ValueTask<ExportPage> ListAsync(string appId, int limit, int page, ExportListOrder order, CancellationToken cancellationToken) =>
            inner.ListAsync(appId, limit, page, order, cancellationToken);

        public ValueTask<bool> TryUpdateAsync(ExportJob updated, ExportStatus expected, CancellationToken cancellationToken) =>
            inner.TryUpdateAsync(updated, expected, cancellationToken);

        public ValueTask<bool> RemoveAsync(string appId, string exportId, CancellationToken cancellationToken) =>
            inner.RemoveAsync(appId, exportId, cancellationToken);

        public ValueTask<ExportClaim?> TryClaimAsync(string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
            inner.TryClaimAsync(owner, now, leaseDuration, cancellationToken);

        public ValueTask<bool> TryRenewAsync(ExportLease lease, DateTimeOffset now, TimeSpan leaseDuration, ExportProgress progress, CancellationToken cancellationToken) =>
            inner.TryRenewAsync(lease, now, leaseDuration, progress, cancellationToken);

        public async ValueTask<bool> TryFinishAsync(ExportJob updated, ExportLease lease, CancellationToken cancellationToken)
        {
            bool finished = await inner.TryFinishAsync(updated, lease, cancellationToken);
            Finishes.Enqueue(finished);
            return finished;
        }

        public ValueTask ReleaseAsync(ExportLease lease, CancellationToken cancellationToken) => inner.ReleaseAsync(lease, cancellationToken);
    }
}

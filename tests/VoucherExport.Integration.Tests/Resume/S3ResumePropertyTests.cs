using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Demo;
using VoucherExport.Integration.Tests.PostgreSql;
using VoucherExport.Integration.Tests.S3;
using VoucherExport.Parameters;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;
using VoucherExport.S3;

namespace VoucherExport.Integration.Tests.Resume;

/// <summary>
/// The resume contract of issue 12 on the real parts: a registry on PostgreSQL (store and ledger) writing to Ceph S3,
/// with transient faults injected anywhere around a chunk's commit, in the manifest, in the final write and in lease
/// renewals, any number of times; every other case is an export split into range tasks.
/// </summary>
public class S3ResumePropertyTests
{
    private const int LedgerRows = 2000;

    private static readonly DateTimeOffset s_createdAt = new(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

    private static readonly HookPoint[] s_points =
    [
        HookPoint.BeforeWrite, HookPoint.BeforeCommit, HookPoint.AfterCommit, HookPoint.AfterRecord,
        HookPoint.BeforeManifest, HookPoint.BeforeFinish, HookPoint.AfterFinish, HookPoint.BeforeRenew,
    ];

    private static Gen<Case> Cases { get; } =
        from gzip in Gen.Elements(false, true)
        from kib in gzip ? Gen.Choose(2, 6) : Gen.Choose(8, 24)
        from threads in Gen.Elements(1, 2)
        from up in Gen.Elements(false, true)
        from count in Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 4)))
        from faults in Gen.CollectToArray(Enumerable.Range(0, count).Select(_ =>
            from point in Gen.Elements(s_points)
            from chunk in Gen.Choose(0, 999)
            select (point, chunk)))
        select new Case(gzip, kib * 1024, threads, up, faults, Tasks: 0);

    /// <summary>
    /// Property: whatever transient faults strike, the export ends <c>DONE</c> with exactly the objects (chunks and manifest,
    /// byte for byte) of an uninterrupted run; every chunk keeps the S3 object it had when the registry recorded it (same
    /// ETag and LastModified), and no recorded chunk is ever opened for writing again.
    /// </summary>
    [PostgresS3Fact]
    public async Task AFaultAnywhereAnyNumberOfTimesEndsDoneWithTheReferenceObjectsAndRecordedChunksKeepTheirObject()
    {
        await using PgTestDatabase db = await PgTestDatabase.CreateAsync(ledger: true, exports: true);
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(LedgerRows, seed: 21).AsSource(), db.Ledger);
        var bucket = new S3TestBucket();
        try
        {
            // Presigned URLs dated by one fixed clock, so the manifests of two runs of one export are comparable byte for byte.
            S3ChunkSinkFactory s3 = bucket.Track(new S3ChunkSinkFactory(bucket.Options() with { Time = new FakeTimeProvider(s_createdAt) }));
            var source = new PostgresTransactionSource(db.DataSource, db.Ledger with { BatchSize = 256 });
            int runs = 0;

            // Off xunit's synchronization context: FsCheck runs each case synchronously.
            // Every other case is split into three range tasks, so both kinds always run.
            await Task.Run(() => Prop.ForAll(Cases.ToArbitrary(), c =>
            {
                runs++;
                RunCaseAsync(c with { Tasks = runs % 2 == 0 ? 3 : 0 }, db, bucket, s3, source).GetAwaiter().GetResult();
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(12)));
            Assert.Equal(12, runs);
        }
        finally
        {
            await bucket.DisposeAsync();
        }
    }

    private static async Task RunCaseAsync(Case c, PgTestDatabase db, S3TestBucket bucket, S3ChunkSinkFactory s3, PostgresTransactionSource source)
    {
        var export = new ExportObject
        {
            Id = ExportIds.NewId(),
            CreatedAt = s_createdAt,
            Parameters = ExportParameters.Default with { Order = c.Ascending ? ExportOrder.CreatedAtAscending : ExportOrder.CreatedAtDescending },
        };
        var limits = new ChunkLimits
        {
            MaxChunkBytes = c.MaxChunkBytes,
            Compression = c.Gzip ? ChunkCompression.Gzip : ChunkCompression.None,
        };
        var job = new ExportJob("app", export, CsvFormat.Default, limits);
        string prefix = s3.ExportPrefix(export.Id);

        var options = new ExportRegistryOptions
        {
            MaxConcurrentExports = 1,
            Parallelism = c.Threads,
            WorkerName = "resume-" + export.Id[^6..],
            LeaseDuration = TimeSpan.FromSeconds(2),
            HeartbeatInterval = TimeSpan.FromMilliseconds(300),
            PollInterval = TimeSpan.FromMilliseconds(100),
            RangeTasks = Math.Max(1, c.Tasks),
            Retry = new ExportRetryOptions { MaxAttempts = 10, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(200) },
        };

        // The reference: the same export (id, request, keys) run once uninterrupted, by the engine alone or, split, by a
        // registry without faults; then removed.
        if (c.Tasks == 0)
        {
            var reference = new ExportRequest { Export = export, Csv = job.Csv, Chunks = limits, Parallelism = c.Threads, Time = new FakeTimeProvider(s_createdAt) };
            await ExportEngine.RunAsync(reference, source, s3);
        }
        else
        {
            var plain = new PostgresExportStore(db.DataSource, db.Exports);
            await using (var registry = new ExportRegistry(plain, source, s3, options with { WorkerName = options.WorkerName + "-reference" }))
            {
                await plain.AddAsync(job, CancellationToken.None);
                ExportObject reference = (await registry.WaitAsync("app", export.Id).WaitAsync(TimeSpan.FromSeconds(60)))!;
                Assert.True(reference.Status == ExportStatus.Done, $"{c}: reference {reference.Status} {reference.Error?.Details}");
                Assert.Equal(c.Tasks, (await plain.GetRangeTasksAsync(export.Id, CancellationToken.None)).Count);
            }

            Assert.True(await plain.RemoveAsync("app", export.Id, CancellationToken.None));
        }

        Dictionary<string, byte[]> expected = await StoredObjects.ReadAllAsync(bucket, prefix);
        await s3.Create(export.Id).DeleteAllAsync(CancellationToken.None);
        Assert.Empty(await bucket.KeysAsync(prefix));
        string[] names = [.. expected.Keys.Select(k => k[prefix.Length..]).Where(n => n != ExportEngine.ManifestName).Order(StringComparer.Ordinal)];
        Assert.True(names.Length >= 3, $"the case writes only {names.Length} chunks");
        Assert.All(names, n => Assert.Matches(c.Tasks == 0 ? "^part-[0-9]{5}\\.csv" : "^part-0000[1-3]-[0-9]{5}\\.csv", n));

        var plan = new FaultPlan(c.Faults, names);
        var recorded = new ConcurrentDictionary<string, StoredObjects.Version>(StringComparer.Ordinal);
        var reopened = new ConcurrentQueue<string>();
        var sinks = new HookedChunkSinkFactory(s3, (point, name, _) =>
        {
            plan.Fire(point, name);
            return ValueTask.CompletedTask;
        })
        {
            Opened = name =>
            {
                if (recorded.ContainsKey(name))
                {
                    reopened.Enqueue(name);
                }
            },
        };
        var store = new HookedExportStore(new PostgresExportStore(db.DataSource, db.Exports), async (point, chunk) =>
        {
            if (point == HookPoint.AfterRecord)
            {
                // The object as it was when the registry recorded it (the commit point), before any fault strikes.
                Assert.True(recorded.TryAdd(chunk!.Name, await StoredObjects.HeadAsync(bucket, prefix + chunk.Name)), $"{chunk.Name} recorded twice");
            }

            plan.Fire(point, chunk?.Name);
        });

        ExportObject done;
        await using (var registry = new ExportRegistry(store, source, sinks, options))
        {
            await store.AddAsync(job, CancellationToken.None);
            done = (await registry.WaitAsync("app", export.Id).WaitAsync(TimeSpan.FromSeconds(60)))!;
        }

        string what = $"{c}; fired [{string.Join(", ", plan.Fired)}], not reached [{string.Join(", ", plan.Pending)}]";
        Assert.True(done.Status == ExportStatus.Done, $"{what}: {done.Status} {done.Error?.Key} {done.Error?.Details}");

        // Exactly the reference's objects, byte for byte: every chunk and the manifest.
        Dictionary<string, byte[]> actual = await StoredObjects.ReadAllAsync(bucket, prefix);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, bytes) in expected)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(actual[key]), $"{what}: {key} differs from the uninterrupted run");
        }

        Assert.Empty(await bucket.OpenUploadsAsync(prefix));

        // Every chunk was recorded, and each keeps the object it had then: never opened again, never stored again.
        Assert.Equal(
            expected.Keys.Select(k => k[prefix.Length..]).Where(n => n != ExportEngine.ManifestName).Order(StringComparer.Ordinal),
            recorded.Keys.Order(StringComparer.Ordinal));
        // No recorded chunk is opened again, not even one whose record was written though its write reported a fault
        // (AfterRecord): the retry reads the records again from the store.
        Assert.True(reopened.Count == 0, $"{what}: recorded chunks opened again: {string.Join(", ", reopened)}");
        foreach (var (name, version) in recorded)
        {
            Assert.Equal(version, await StoredObjects.HeadAsync(bucket, prefix + name));
        }

        await s3.Create(export.Id).DeleteAllAsync(CancellationToken.None);
    }

    /// <summary>One generated case: chunk format and size, threads, order, the faults to inject, and range tasks (0: not split).</summary>
    private sealed record Case(bool Gzip, int MaxChunkBytes, int Threads, bool Ascending, (HookPoint Point, int Chunk)[] Faults, int Tasks)
    {
        public override string ToString() =>
            $"{(Gzip ? "gzip" : "plain")} {MaxChunkBytes / 1024} KiB, {Threads} thread(s), {(Ascending ? "oldest" : "newest")} first, " +
            $"{(Tasks == 0 ? "whole" : $"{Tasks} range tasks")}, " +
            $"faults [{string.Join(", ", Faults.Select(f => $"{f.Point}#{f.Chunk}"))}]";
    }
}

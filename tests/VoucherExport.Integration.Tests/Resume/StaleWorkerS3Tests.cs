using Microsoft.Extensions.Time.Testing;
using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Integration.Tests.PostgreSql;
using VoucherExport.Integration.Tests.S3;
using VoucherExport.Parameters;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;
using VoucherExport.S3;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.Resume;

/// <summary>
/// Fencing on the real parts: worker A (a registry on PostgreSQL writing to Ceph S3) freezes in the middle of an export —
/// its writer and its lease renewals stop — past its lease; registry B takes the export over and finishes it; then A
/// wakes: its writer goes on first, its renewals only once the store refused A's next record or final write. A may not
/// publish, overwrite or delete anything of B's, nor leave an upload open.
/// </summary>
public class StaleWorkerS3Tests
{
    private const int MiB = 1024 * 1024;

    private static readonly DateTimeOffset s_now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static ExportRegistryOptions Options(string name, ChunkLimits chunks) => new()
    {
        MaxConcurrentExports = 1,
        Chunks = chunks,
        WorkerName = name,

        // One thread: where A stands when it freezes (which chunks it recorded, which it has open) follows from the bytes.
        Parallelism = 1,
        LeaseDuration = TimeSpan.FromSeconds(2),
        HeartbeatInterval = TimeSpan.FromMilliseconds(300),
        PollInterval = TimeSpan.FromMilliseconds(100),
        Retry = new ExportRetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(100) },
    };

    /// <summary>A freezes in its ledger read, with chunks recorded and the next one open in memory.</summary>
    [PostgresS3Fact]
    public async Task AWorkerFrozenMidExportPastItsLeaseCannotTouchWhatTheNewAttemptStored()
    {
        var chunks = new ChunkLimits { MaxChunkBytes = 32 * 1024 };
        await RunAsync(rows: 3000, chunks, pauseAfterBatches: 8, sinkPause: null, expectOpenUpload: false);
    }

    /// <summary>
    /// A freezes while it uploads chunk 2 in parts (its multipart upload is open, a part sent): B aborts that upload
    /// before it resumes after chunk 1, so A can never complete it over B's chunk.
    /// </summary>
    [PostgresS3Fact]
    public async Task AWorkerFrozenInTheMiddleOfAMultipartUploadCannotCompleteItOverTheNewAttempt()
    {
        var chunks = new ChunkLimits { MaxChunkBytes = (11 * MiB) / 2 };
        await RunAsync(
            rows: 60_000, chunks, pauseAfterBatches: null,
            sinkPause: (point, name, bytes) => point == HookPoint.AfterWrite && name == ChunkInfo.NameFor(2) && bytes > 5 * MiB,
            expectOpenUpload: true);
    }

    /// <summary>
    /// A freezes after the lease check of its manifest write and before the write: B finishes the export and stores its
    /// manifest; A's manifest, written when it wakes, is refused (the manifest is created once) and B's is kept.
    /// </summary>
    [PostgresS3Fact]
    public async Task AWorkerFrozenBetweenItsLeaseCheckAndTheManifestCannotReplaceTheNewAttemptsManifest()
    {
        var chunks = new ChunkLimits { MaxChunkBytes = 32 * 1024 };
        await RunAsync(rows: 3000, chunks, pauseAfterBatches: null, sinkPause: (point, _, _) => point == HookPoint.BeforeManifest, expectOpenUpload: false);
    }

    private static async Task RunAsync(
        int rows, ChunkLimits chunks, int? pauseAfterBatches, Func<HookPoint, string?, long, bool>? sinkPause, bool expectOpenUpload)
    {
        await using PgTestDatabase db = await PgTestDatabase.CreateAsync(ledger: true, exports: true);
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(rows, seed: 5).AsSource(), db.Ledger);
        var bucket = new S3TestBucket();
        try
        {
            // The smallest part S3 allows, so a chunk of a few MiB is a multipart upload; URLs dated by one fixed clock.
            S3ChunkSinkOptions s3Options = bucket.Options() with { PartSize = 5 * MiB, Time = new FakeTimeProvider(s_now) };
            S3ChunkSinkFactory s3A = bucket.Track(new S3ChunkSinkFactory(s3Options));
            S3ChunkSinkFactory s3B = bucket.Track(new S3ChunkSinkFactory(s3Options));
            var ledger = new PostgresTransactionSource(db.DataSource, db.Ledger with { BatchSize = 100 });
            ExportParameters parameters = PgTestData.AllFields();

            // A frozen process: once paused, its writer and its lease renewals wait until it wakes.
            var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var wakeRenewals = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var frozen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var refusedOrPublished = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            bool manifestByA = false;
            var storeA = new HookedExportStore(new PostgresExportStore(db.DataSource, db.Exports), async (point, chunk) =>
            {
                if (point == HookPoint.BeforeRenew && frozen.Task.IsCompleted)
                {
                    await wakeRenewals.Task;
                }

                if (point is HookPoint.RecordRefused or HookPoint.FinishRefused)
                {
                    refusedOrPublished.TrySetResult($"{point} {chunk?.Name}");
                }
            });
            var sinksA = new HookedChunkSinkFactory(s3A, async (point, name, bytes) =>
            {
                if (sinkPause?.Invoke(point, name, bytes) == true && frozen.TrySetResult())
                {
                    await wake.Task;
                }

                if (point == HookPoint.AfterManifest)
                {
                    manifestByA = true;
                    refusedOrPublished.TrySetResult("manifest stored");
                }
            });
            PausingSource? pausing = pauseAfterBatches is { } batches ? new PausingSource(ledger, batches) : null;
            var a = new ExportRegistry(storeA, (ITransactionSource?)pausing ?? ledger, sinksA, Options("a", chunks));
            ExportObject export;
            string prefix;
            try
            {
                export = await a.CreateAsync("app", ExportScope.All, parameters);
                prefix = s3A.ExportPrefix(export.Id);
                if (pausing is not null)
                {
                    await pausing.Paused.WaitAsync(TimeSpan.FromSeconds(60));
                    frozen.TrySetResult();
                }
                else
                {
                    await Task.WhenAny(frozen.Task, a.WaitAsync("app", export.Id)).WaitAsync(TimeSpan.FromSeconds(60));
                    Assert.True(frozen.Task.IsCompleted, "the export ended before the pause point");
                }

                IReadOnlyList<ChunkInfo> recordedByA = await new PostgresExportStore(db.DataSource, db.Exports).GetChunksAsync(export.Id, default);
                Assert.NotEmpty(recordedByA);
                Assert.Equal(expectOpenUpload, (await bucket.OpenUploadsAsync(prefix)).Count == 1);

                // B takes the export over once A's lease ran out (on the database's clock) and finishes it.
                ExportObject doneByB;
                await using (var b = new ExportRegistry(new PostgresExportStore(db.DataSource, db.Exports), ledger, s3B, Options("b", chunks)))
                {
                    doneByB = (await b.WaitAsync("app", export.Id).WaitAsync(TimeSpan.FromSeconds(60)))!;
                }

                Assert.True(doneByB.Status == ExportStatus.Done, $"{doneByB.Status} {doneByB.Error?.Details}");
                Dictionary<string, StoredObjects.Version> byB = await StoredObjects.VersionsAsync(bucket, prefix);
                Assert.Empty(await bucket.OpenUploadsAsync(prefix));

                // A wakes up and runs on: its writer first, its renewals (which would tell it the lease is gone) only once the
                // store refused what A did next, so A really tries to write after B finished.
                wake.TrySetResult();
                pausing?.Release();
                string next = await refusedOrPublished.Task.WaitAsync(TimeSpan.FromSeconds(60));
                wakeRenewals.TrySetResult();
                await a.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(60));
                Assert.False(manifestByA, "the stale worker stored a manifest");
                Assert.Contains("Refused", next, StringComparison.Ordinal);
                await a.DisposeAsync();

                // Nothing of B's changed, nothing was added or left open, and the export is B's.
                Assert.Equal(byB, await StoredObjects.VersionsAsync(bucket, prefix));
                Assert.Empty(await bucket.OpenUploadsAsync(prefix));
                ExportJob? job = await new PostgresExportStore(db.DataSource, db.Exports).GetAsync("app", export.Id, default);
                Assert.Equal(ExportJson.ToUtf8(doneByB), ExportJson.ToUtf8(job!.Export));
                byte[] manifest = await bucket.GetAsync(prefix + ExportEngine.ManifestName);
                Assert.Equal(ExportJson.ToUtf8(doneByB), manifest);

                // And its bytes are those of an uninterrupted run.
                var reference = new InMemoryChunkSinkFactory();
                await ExportEngine.RunAsync(PgTestData.Request(parameters, chunks, export.Id), ledger, reference);
                var expected = reference.Find(export.Id)!.Committed.Where(p => p.Key != ExportEngine.ManifestName).ToList();
                Assert.True(expected.Count >= 3, $"only {expected.Count} chunks");
                Assert.Equal(expected.Select(p => p.Key), doneByB.Result!.Chunks.Select(c => c.Info.Name));
                Assert.Equal(expected.Count + 1, byB.Count);
                foreach (var (name, bytes) in expected)
                {
                    byte[] stored = await bucket.GetAsync(prefix + name);
                    Assert.True(bytes.AsSpan().SequenceEqual(stored), $"{name} differs from an uninterrupted run");
                }
            }
            finally
            {
                wake.TrySetResult();
                wakeRenewals.TrySetResult();
                pausing?.Release();
                await a.DisposeAsync();
            }
        }
        finally
        {
            await bucket.DisposeAsync();
        }
    }
}

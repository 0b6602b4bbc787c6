using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Faults;

/// <summary>Drives a registry's fake clock until an export is final, and the fault-free bytes to compare with.</summary>
internal static class RegistryDriver
{
    /// <summary>Only a failure guard: every run here ends in milliseconds of real time once its clock moves.</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    public static readonly ChunkLimits Limits = new() { MaxChunkBytes = 20_000 };

    public static readonly VoucherTransaction[] Ledger = Rows.Demo(300, seed: 5);

    private static readonly Lazy<List<byte[]>> s_reference = new(() =>
    {
        var sinks = new InMemoryChunkSinkFactory();
        var request = ExportRequest.For(ExportParameters.Default) with { Chunks = Limits };
        ExportEngine.RunAsync(request, new InMemoryTransactionSource(Ledger), sinks).GetAwaiter().GetResult();
        return [.. sinks.Find(request.Export.Id)!.Committed.Where(c => c.Key != ExportEngine.ManifestName).Select(c => c.Value)];
    });

    /// <summary>The chunks of a fault-free run of <see cref="Ledger"/> with the default parameters.</summary>
    public static List<byte[]> Reference => s_reference.Value;

    public static FakeTimeProvider NewClock() => new(new DateTimeOffset(2024, 3, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>
    /// Moves the clock half a second at a time (heartbeats, lease expiry, retry pauses, polls all fire on it) until the
    /// export is <c>DONE</c> or <c>ERROR</c>; fails if it is still running after <see cref="Guard"/> of real time.
    /// </summary>
    public static async Task<ExportObject> UntilFinalAsync(IExportStore store, string exportId, FakeTimeProvider clock, Action? onStep = null)
    {
        var guard = Stopwatch.StartNew();
        while (true)
        {
            ExportJob? job = await store.GetAsync("app", exportId, CancellationToken.None);
            Assert.NotNull(job);
            if (ExportStateMachine.IsFinal(job.Export.Status))
            {
                return job.Export;
            }

            if (guard.Elapsed > Guard)
            {
                throw new Xunit.Sdk.XunitException(
                    $"export {exportId} still {job.Export.Status} after {Guard} of real time (clock at {clock.GetUtcNow():O})");
            }

            onStep?.Invoke();
            clock.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Yield();
        }
    }

    /// <summary>Asserts a DONE export published exactly the fault-free chunks, then its manifest.</summary>
    public static void AssertSameAsFaultFree(InMemoryChunkSink? sink, ExportObject done)
    {
        Assert.Equal(ExportStatus.Done, done.Status);
        Assert.NotNull(sink);
        var committed = sink.Committed;
        Assert.Equal(ExportEngine.ManifestName, committed[^1].Key);
        var chunks = committed.Where(c => c.Key != ExportEngine.ManifestName).ToList();
        Assert.Equal(done.Result!.Chunks.Select(c => c.Info.Name), chunks.Select(c => c.Key));
        Assert.Equal(Reference.Count, chunks.Count);
        for (int i = 0; i < chunks.Count; i++)
        {
            Assert.True(Reference[i].AsSpan().SequenceEqual(chunks[i].Value), $"chunk {i + 1} differs from the fault-free run");
        }

        Assert.Equal(0, sink.OpenChunks);
    }

    /// <summary>Asserts an ERROR export says why and left nothing visible.</summary>
    public static void AssertCleanError(InMemoryChunkSink? sink, ExportObject failed)
    {
        Assert.Equal(ExportStatus.Error, failed.Status);
        Assert.NotNull(failed.Error);
        Assert.False(string.IsNullOrWhiteSpace(failed.Error.Key));
        Assert.False(string.IsNullOrWhiteSpace(failed.Error.Details));
        Assert.Null(failed.Result);
        Assert.True(sink is null || (sink.Committed.Count == 0 && sink.OpenChunks == 0),
            $"{sink?.Committed.Count} objects visible after ERROR {failed.Error.Key}");
    }
}

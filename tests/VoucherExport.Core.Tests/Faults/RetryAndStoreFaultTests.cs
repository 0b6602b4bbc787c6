using System.Data.Common;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Faults;

/// <summary>
/// Registry-level faults on a fake clock: transient faults retried with backoff (clearing → DONE with the fault-free
/// bytes; persisting → ERROR after the cap, naming the attempts), permanent faults not retried, and a store that fails a
/// claim, progress or finish write at any call: the export still ends DONE or ERROR, never IN_PROGRESS for ever, with
/// nothing of a failed attempt visible.
/// </summary>
public class RetryAndStoreFaultTests
{
    private static readonly ExportRetryOptions FastRetry = new() { MaxAttempts = 3, BaseDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(8) };

    private static ExportRegistryOptions Options(ExportRetryOptions? retry = null) => new()
    {
        // One worker: a takeover happens only once the previous run ended, so the bytes compared are one run's.
        MaxConcurrentExports = 1,
        Chunks = RegistryDriver.Limits,
        Retry = retry ?? FastRetry,
    };

    private static async Task<(ExportObject Final, InMemoryChunkSink? Sink)> RunAsync(
        IExportStore store, ITransactionSource source, IChunkSinkFactory sinks, Func<string, InMemoryChunkSink?> find,
        ExportRetryOptions? retry = null, Func<FakeTimeProvider, DateTimeOffset, Action>? onStep = null)
    {
        FakeTimeProvider clock = RegistryDriver.NewClock();
        await using var registry = new ExportRegistry(store, source, sinks, Options(retry), time: clock);
        ExportObject created = await registry.CreateAsync("app", ExportScope.All, ExportParameters.Default);
        IExportStore reader = store is FaultyExportStore faulty ? faulty.Inner : store;
        ExportObject final = await RegistryDriver.UntilFinalAsync(reader, created.Id, clock, onStep?.Invoke(clock, clock.GetUtcNow()));
        await registry.WhenIdleAsync();
        return (final, find(created.Id));
    }

    [Property(MaxTest = 30)]
    public Property ATransientFaultThatClearsEndsDoneWithTheFaultFreeBytes(PositiveInt point, bool inSink, bool twice)
    {
        int times = twice ? 2 : 1;
        var source = new FaultySource(RegistryDriver.Ledger)
        {
            ThrowAt = inSink ? null : point.Get % RegistryDriver.Ledger.Length,
            Times = times,
            Error = () => new TransientExportException("the ledger connection dropped (injected)"),
        };
        var sinks = new FaultyChunkSinkFactory(inSink
            ? new SinkFault { AfterBytes = point.Get % 120_000, Times = times, Error = () => new IOException("connection reset by peer (injected)") }
            : new SinkFault());

        var (final, sink) = RunAsync(new InMemoryExportStore(), source, sinks, sinks.Find).GetAwaiter().GetResult();

        RegistryDriver.AssertSameAsFaultFree(sink, final);
        int faults = inSink ? sinks.Fired : times;
        return (source.Reads == faults + 1 && source.OpenReaders == 0).ToProperty()
            .Label($"{source.Reads} reads for {faults} faults");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ATransientFaultThatPersistsEndsInErrorAfterTheCapNamingTheAttempts(bool inSink)
    {
        var source = new FaultySource(RegistryDriver.Ledger)
        {
            ThrowAt = inSink ? null : 120,
            Error = () => new TimeoutException("the ledger did not answer in 30 s (injected)"),
        };
        var sinks = new FaultyChunkSinkFactory(inSink
            ? new SinkFault { AfterBytes = 30_000, Error = () => new IOException("connection reset by peer (injected)") }
            : new SinkFault());

        var (final, sink) = await RunAsync(new InMemoryExportStore(), source, sinks, sinks.Find);

        RegistryDriver.AssertCleanError(sink, final);
        Assert.Contains("gave up after 3 attempts", final.Error!.Details, StringComparison.Ordinal);
        Assert.Contains("(injected)", final.Error.Details, StringComparison.Ordinal);
        Assert.Equal(3, source.Reads);
    }

    [Fact]
    public async Task AFullDiskIsNotRetried()
    {
        var source = new FaultySource(RegistryDriver.Ledger);
        var sinks = new FaultyChunkSinkFactory(new SinkFault { AfterBytes = 30_000 });

        var (final, sink) = await RunAsync(new InMemoryExportStore(), source, sinks, sinks.Find);

        RegistryDriver.AssertCleanError(sink, final);
        Assert.Equal("export_io_failed", final.Error!.Key);
        Assert.DoesNotContain("attempts", final.Error.Details, StringComparison.Ordinal);
        Assert.Equal(1, source.Reads);
        Assert.Equal(1, sinks.Fired);
    }

    [Fact]
    public async Task RetriesOffFailsOnTheFirstTransientFault()
    {
        var source = new FaultySource(RegistryDriver.Ledger) { ThrowAt = 10, Error = () => new TransientExportException("blip (injected)") };
        var sinks = new FaultyChunkSinkFactory(new SinkFault());

        var (final, sink) = await RunAsync(new InMemoryExportStore(), source, sinks, sinks.Find, ExportRetryOptions.None);

        RegistryDriver.AssertCleanError(sink, final);
        Assert.Equal(1, source.Reads);
    }

    [Property(MaxTest = 40)]
    public Property AStoreWriteFailingAtAnyCallEndsDoneOrErrorNeverInProgress(PositiveInt at, PositiveInt timesSeed, bool transient)
    {
        int failAt = 1 + (at.Get % 14);
        int times = 1 + (timesSeed.Get % 3);
        var store = new FaultyExportStore(failAt, times, transient
            ? () => new IOException("connection to the export store reset (injected)")
            : () => new InvalidOperationException("the export store rejected the write (injected)"));

        // The source waits after its first batch until the clock passed two heartbeats, so progress writes are in play.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new GatedSource(RegistryDriver.Ledger, gate.Task);
        var sinks = new FaultyChunkSinkFactory(new SinkFault());

        var (final, sink) = RunAsync(store, source, sinks, sinks.Find, onStep: (clock, start) => () =>
        {
            if (clock.GetUtcNow() - start >= TimeSpan.FromSeconds(25))
            {
                gate.TrySetResult();
            }
        }).GetAwaiter().GetResult();

        if (final.Status == ExportStatus.Done)
        {
            RegistryDriver.AssertSameAsFaultFree(sink, final);
        }
        else
        {
            RegistryDriver.AssertCleanError(sink, final);
        }

        return (store.Fired > 0 || store.Writes < failAt).ToProperty()
            .Label($"fault at write {failAt} ×{times}: {final.Status} {final.Error?.Key} after {store.Writes} writes");
    }

    [Fact]
    public void BackoffDoublesUpToTheCap()
    {
        var retry = new ExportRetryOptions { MaxAttempts = 8, BaseDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(30) };
        Assert.Equal(
            new[] { 2, 4, 8, 16, 30, 30, 30 }.Select(s => TimeSpan.FromSeconds(s)),
            Enumerable.Range(1, 7).Select(retry.DelayAfter));
        Assert.Equal(TimeSpan.FromSeconds(30), retry.DelayAfter(1000));
        Assert.Equal(3, ExportRetryOptions.Default.MaxAttempts);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExportRetryOptions { MaxAttempts = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new ExportRetryOptions { BaseDelay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromSeconds(1) }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExportRegistryOptions { Retry = new ExportRetryOptions { MaxAttempts = -1 } }.Validate());
    }

    [Fact]
    public void TheClassifierTellsPassingFaultsFromLastingOnes()
    {
        Assert.True(TransientFaults.IsTransient(new IOException("connection reset by peer")));
        Assert.True(TransientFaults.IsTransient(new TimeoutException()));
        Assert.True(TransientFaults.IsTransient(new TaskCanceledException("timed out", new TimeoutException())));
        Assert.True(TransientFaults.IsTransient(new TransientExportException("blip")));
        Assert.True(TransientFaults.IsTransient(new FakeDbException(transient: true)));
        Assert.True(TransientFaults.IsTransient(new IOException("S3 PUT failed: 503 SlowDown", new HttpRequestException("503"))));

        Assert.False(TransientFaults.IsTransient(new IOException("No space left on device")));
        Assert.False(TransientFaults.IsTransient(new IOException("disk full", 28)));
        Assert.False(TransientFaults.IsTransient(new FileNotFoundException("gone")));
        Assert.False(TransientFaults.IsTransient(new FakeDbException(transient: false)));
        Assert.False(TransientFaults.IsTransient(new LedgerFormatException("ledger.jsonl", 3, "bad JSON")));
        Assert.False(TransientFaults.IsTransient(new InvalidOperationException("bug")));
        Assert.False(TransientFaults.IsTransient(TransientFaults.Mark(new IOException("403 AccessDenied"), transient: false)));
        Assert.True(TransientFaults.IsTransient(TransientFaults.Mark(new InvalidOperationException("throttled"), transient: true)));
    }

    private sealed class FakeDbException(bool transient) : DbException("injected")
    {
        public override bool IsTransient => transient;
    }

    /// <summary>Yields its first batch, then waits for the gate (or cancellation) before the rest.</summary>
    private sealed class GatedSource(VoucherTransaction[] rows, Task gate) : ITransactionSource
    {
        public SourcePushdown Plan(TransactionQuery query) => SourcePushdown.None;

        public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
            TransactionQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            yield return rows.AsMemory(0, 50);
            await gate.WaitAsync(cancellationToken);
            yield return rows.AsMemory(50);
        }
    }
}

using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using VoucherExport.Registry;

namespace VoucherExport.Tests.Registry;

/// <summary>
/// <see cref="TransientRetry"/>: the four policies of the registry, each as its hand-written loop behaved — tries, which
/// faults, pauses on a fake clock (never slept), cancellation.
/// </summary>
public class TransientRetryTests
{
    private static readonly ExportRetryOptions Three = new()
    {
        MaxAttempts = 3, BaseDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(30),
    };

    private readonly TimerCountingClock _clock = new();

    public static TheoryData<string> PausedPolicies => ["runs", "cleanup", "final"];

    private TransientRetry Policy(string name, ExportRetryOptions retry) => name switch
    {
        "runs" => TransientRetry.ForRuns(retry, _clock),
        "cleanup" => TransientRetry.ForCleanup(retry, _clock),
        "final" => TransientRetry.ForFinalState(retry, _clock),
        "shutdown" => TransientRetry.ForShutdown(retry),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(PausedPolicies))]
    public async Task ATransientFaultIsTriedAgainAfterEachPauseUntilTheTriesRunOut(string policy)
    {
        TransientRetry retry = Policy(policy, Three);
        var pauses = new List<(int Attempt, TimeSpan Pause)>();
        var faults = new List<Exception>();
        int tries = 0;
        Task<int> run = retry.RunAsync<int>(
            _ =>
            {
                tries++;
                var fault = new TimeoutException($"try {tries}");
                faults.Add(fault);
                throw fault;
            },
            (ex, attempt, pause) =>
            {
                Assert.Same(faults[^1], ex);
                pauses.Add((attempt, pause));
                return Task.CompletedTask;
            });

        // Each step waits for the pause's timer to exist before moving the clock.
        await Until(() => _clock.Timers == 1);
        Assert.Equal(1, tries);
        _clock.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        Assert.Equal(1, tries);
        _clock.Advance(TimeSpan.FromTicks(1));
        await Until(() => _clock.Timers == 2);
        Assert.Equal(2, tries);
        _clock.Advance(TimeSpan.FromSeconds(4) - TimeSpan.FromTicks(1));
        Assert.Equal(2, tries);
        _clock.Advance(TimeSpan.FromTicks(1));

        TimeoutException last = await Assert.ThrowsAsync<TimeoutException>(() => run);
        Assert.Same(faults[2], last);
        Assert.Equal(3, tries);
        Assert.Equal(new[] { (1, TimeSpan.FromSeconds(2)), (2, TimeSpan.FromSeconds(4)) }, pauses);
    }

    [Theory]
    [MemberData(nameof(PausedPolicies))]
    public async Task ASuccessAfterAFaultReturnsItsResultAndKnowsItsTry(string policy)
    {
        TransientRetry retry = Policy(policy, Three);
        var seen = new List<int>();
        Task<string> run = retry.RunAsync(attempt =>
        {
            seen.Add(attempt);
            return attempt == 1 ? Task.FromException<string>(new IOException("reset")) : Task.FromResult($"ok {attempt}");
        });

        await Until(() => _clock.Timers == 1);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("ok 2", await run);
        Assert.Equal(new[] { 1, 2 }, seen);
    }

    [Theory]
    [InlineData("runs")]
    [InlineData("cleanup")]
    [InlineData("final")]
    [InlineData("shutdown")]
    public async Task OneTryOnlyWhenRetriesAreOff(string policy)
    {
        // Shutdown's two extra tries stay: it ended what the store held with MaxAttempts + 2 tries before.
        TransientRetry retry = Policy(policy, ExportRetryOptions.None);
        int tries = 0;
        await Assert.ThrowsAsync<TimeoutException>(() => retry.RunAsync(_ =>
        {
            tries++;
            throw new TimeoutException();
        }));
        Assert.Equal(policy == "shutdown" ? 3 : 1, tries);
    }

    [Theory]
    [InlineData("runs", false)]
    [InlineData("cleanup", false)]
    [InlineData("final", true)]
    public async Task WhichFaultsAreRetried(string policy, bool leaseLostRetried)
    {
        TransientRetry retry = Policy(policy, Three);
        Assert.True(retry.Retries(new TimeoutException()));
        Assert.True(retry.Retries(new IOException("reset")));
        Assert.True(retry.Retries(new TransientExportException("blip")));
        Assert.False(retry.Retries(new ArgumentException("bad")));
        Assert.False(retry.Retries(new InvalidOperationException("bug")));
        Assert.False(retry.Retries(new FileNotFoundException("gone")));

        // The runs and their clean-up never retry a lost lease; the final state's write never sees one (the store answers
        // false instead), and its loop asked only whether the fault was transient.
        var lost = TransientFaults.Mark(new ExportLeaseLostException(), transient: true);
        Assert.Equal(leaseLostRetried, retry.Retries(lost));

        int tries = 0;
        await Assert.ThrowsAsync<ArgumentException>(() => retry.RunAsync(_ =>
        {
            tries++;
            throw new ArgumentException("bad");
        }));
        Assert.Equal(1, tries);
    }

    [Fact]
    public async Task ShutdownTriesAnyFaultButOutOfMemoryTwoMoreTimesThanRunsWithoutPausing()
    {
        TransientRetry retry = TransientRetry.ForShutdown(Three);
        var logged = new List<(int Fault, TimeSpan Pause)>();
        int tries = 0;

        // No clock is advanced: a pause would never end.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => retry.RunAsync(
            _ =>
            {
                tries++;
                throw new InvalidOperationException($"store down {tries}");
            },
            (_, fault, pause) =>
            {
                logged.Add((fault, pause));
                return Task.CompletedTask;
            }));
        Assert.Equal(5, tries);
        Assert.Equal("store down 5", error.Message);
        Assert.Equal(new[] { (1, TimeSpan.Zero), (2, TimeSpan.Zero), (3, TimeSpan.Zero), (4, TimeSpan.Zero) }, logged);

        tries = 0;
        await Assert.ThrowsAsync<OutOfMemoryException>(() => retry.RunAsync(_ =>
        {
            tries++;
            throw new OutOfMemoryException();
        }));
        Assert.Equal(1, tries);
    }

    [Theory]
    [InlineData("runs")]
    [InlineData("final")]
    public async Task AFaultOnceCancelledIsNotRetried(string policy)
    {
        TransientRetry retry = Policy(policy, Three);
        using var cancel = new CancellationTokenSource();
        int tries = 0;
        await Assert.ThrowsAsync<TimeoutException>(() => retry.RunAsync(
            _ =>
            {
                tries++;
                cancel.Cancel();
                throw new TimeoutException();
            },
            cancellationToken: cancel.Token));
        Assert.Equal(1, tries);
    }

    [Fact]
    public async Task CleanupRetriesAFaultOnceCancelledButItsPauseThrows()
    {
        TransientRetry retry = TransientRetry.ForCleanup(Three, _clock);
        using var cancel = new CancellationTokenSource();
        int tries = 0;
        bool beforePause = false;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => retry.RunAsync(
            _ =>
            {
                tries++;
                cancel.Cancel();
                throw new TimeoutException();
            },
            (_, _, _) =>
            {
                beforePause = true;
                return Task.CompletedTask;
            },
            cancel.Token));
        Assert.Equal(1, tries);
        Assert.True(beforePause);
    }

    [Theory]
    [InlineData("runs")]
    [InlineData("cleanup")]
    public async Task ACancellationDuringThePauseThrows(string policy)
    {
        TransientRetry retry = Policy(policy, Three);
        using var cancel = new CancellationTokenSource();
        int tries = 0;
        Task run = retry.RunAsync(
            _ =>
            {
                tries++;
                throw new TimeoutException();
            },
            cancellationToken: cancel.Token);

        Assert.False(run.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(1, tries);
    }

    [Fact]
    public async Task TheFinalStateTriesOnceMoreAtOnceWhenTheShutdownCutsItsPause()
    {
        TransientRetry retry = TransientRetry.ForFinalState(Three, _clock);
        using var shutdown = new CancellationTokenSource();
        int tries = 0;
        Task<bool> run = retry.RunAsync(
            _ =>
            {
                tries++;
                return tries == 1 ? Task.FromException<bool>(new TimeoutException()) : Task.FromResult(true);
            },
            cancellationToken: shutdown.Token);

        Assert.False(run.IsCompleted);
        await shutdown.CancelAsync();

        // No time passed on the clock: the shutdown ended the pause, and the second try ran without throwing.
        Assert.True(await run);
        Assert.Equal(2, tries);
    }

    [Fact]
    public void PausesDoubleUpToTheCap()
    {
        TransientRetry retry = TransientRetry.ForRuns(Three with { MaxAttempts = 10 }, _clock);
        Assert.Equal(
            new double[] { 2, 4, 8, 16, 30, 30 },
            Enumerable.Range(1, 6).Select(n => retry.PauseAfter(n).TotalSeconds));
    }

    /// <summary>A fake clock that counts the timers made on it (a pause is one).</summary>
    private sealed class TimerCountingClock() : FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero))
    {
        private int _timers;

        public int Timers => Volatile.Read(ref _timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "the condition did not hold within 10 s");
            await Task.Yield();
        }
    }
}

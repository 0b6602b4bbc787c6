namespace VoucherExport.Registry;

/// <summary>
/// The registry's one retry loop: an operation tried up to <see cref="MaxAttempts"/> times, a pause between tries, and
/// which faults are worth another try. The four policies the registry uses are built by the factories below; each keeps
/// what its hand-written loop did (docs/architecture.md, "The registry").
/// </summary>
/// <remarks>
/// A fault is retried only while tries are left and <see cref="Retries"/> says so (and, with
/// <see cref="StopsWhenCancelled"/>, the call's token is not cancelled); the test is an exception filter, so a fault not
/// retried leaves the loop untouched (same exception, same stack). Before each pause <c>beforePause</c> runs (logging,
/// clean-up); the pause runs on <see cref="Time"/> and ends early with the call's token: by throwing
/// <see cref="OperationCanceledException"/>, or, with <see cref="PauseEndsQuietly"/>, by trying again at once.
/// </remarks>
internal sealed class TransientRetry
{
    /// <summary>Tries in all, the first included.</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>Whether a fault is worth another try (asked only while tries are left).</summary>
    public required Func<Exception, bool> Retries { get; init; }

    /// <summary>The pause after failed try n (1-based).</summary>
    public Func<int, TimeSpan> PauseAfter { get; init; } = static _ => TimeSpan.Zero;

    /// <summary>The clock the pauses run on.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>A fault seen once the call's token is cancelled is not retried.</summary>
    public bool StopsWhenCancelled { get; init; }

    /// <summary>A pause cut short by the call's token does not throw: the next try starts at once.</summary>
    public bool PauseEndsQuietly { get; init; }

    /// <summary>
    /// Running an export (<c>RunWithRetriesAsync</c>): <see cref="ExportRetryOptions.MaxAttempts"/> runs, transient faults
    /// only, never a lost lease, nothing once cancelled; the pause is <see cref="ExportRetryOptions.DelayAfter"/> and a
    /// cancellation during it throws.
    /// </summary>
    public static TransientRetry ForRuns(ExportRetryOptions retry, TimeProvider time) => new()
    {
        MaxAttempts = retry.MaxAttempts,
        Retries = static ex => ex is not ExportLeaseLostException && TransientFaults.IsTransient(ex),
        PauseAfter = retry.DelayAfter,
        Time = time,
        StopsWhenCancelled = true,
    };

    /// <summary>
    /// Removing a run's files between attempts (<c>DeleteOwnFilesAsync</c>): as <see cref="ForRuns"/>, but a fault is
    /// retried even when the token is cancelled (the pause then throws).
    /// </summary>
    public static TransientRetry ForCleanup(ExportRetryOptions retry, TimeProvider time) => new()
    {
        MaxAttempts = retry.MaxAttempts,
        Retries = static ex => ex is not ExportLeaseLostException && TransientFaults.IsTransient(ex),
        PauseAfter = retry.DelayAfter,
        Time = time,
    };

    /// <summary>
    /// Recording a final state (<c>FinishAsync</c>, with the registry's shutdown token): transient faults, until the
    /// registry shuts down; a shutdown during a pause ends it and tries once more without throwing.
    /// </summary>
    public static TransientRetry ForFinalState(ExportRetryOptions retry, TimeProvider time) => new()
    {
        MaxAttempts = retry.MaxAttempts,
        Retries = TransientFaults.IsTransient,
        PauseAfter = retry.DelayAfter,
        Time = time,
        StopsWhenCancelled = true,
        PauseEndsQuietly = true,
    };

    /// <summary>
    /// Ending what a process-local store holds at shutdown: any fault but running out of memory, <see
    /// cref="ExportRetryOptions.MaxAttempts"/> + 2 tries in all, no pause.
    /// </summary>
    public static TransientRetry ForShutdown(ExportRetryOptions retry) => new()
    {
        MaxAttempts = retry.MaxAttempts + 2,
        Retries = static ex => ex is not OutOfMemoryException,
    };

    /// <summary>
    /// Runs <paramref name="operation"/> (given the try's number, from 1) until it returns or a fault is not retried.
    /// </summary>
    public async Task<T> RunAsync<T>(
        Func<int, Task<T>> operation,
        Func<Exception, int, TimeSpan, Task>? beforePause = null,
        CancellationToken cancellationToken = default)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(attempt).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < MaxAttempts
                && !(StopsWhenCancelled && cancellationToken.IsCancellationRequested) && Retries(ex))
            {
                TimeSpan pause = PauseAfter(attempt);
                if (beforePause is not null)
                {
                    await beforePause(ex, attempt, pause).ConfigureAwait(false);
                }

                Task delay = Task.Delay(pause, Time, cancellationToken);
                if (PauseEndsQuietly)
                {
                    await delay.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
                else
                {
                    await delay.ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>As <see cref="RunAsync{T}"/>, for an operation without a result.</summary>
    public Task RunAsync(
        Func<int, Task> operation,
        Func<Exception, int, TimeSpan, Task>? beforePause = null,
        CancellationToken cancellationToken = default) =>
        RunAsync<bool>(
            async attempt =>
            {
                await operation(attempt).ConfigureAwait(false);
                return true;
            },
            beforePause,
            cancellationToken);
}

namespace VoucherExport.Registry;

/// <summary>
/// How the registry retries a run that failed on a transient fault (see <see cref="TransientFaults"/>): up to
/// <see cref="MaxAttempts"/> runs in all, each after an exponentially growing pause capped at <see cref="MaxDelay"/>.
/// Every retry starts from nothing: what the failed attempt wrote is removed first. Immutable; validated when the
/// registry is built.
/// </summary>
public sealed record ExportRetryOptions
{
    /// <summary>
    /// 3 runs in all: a blip of the network or the store costs one or two reruns, a fault that persists ends the export
    /// in <c>ERROR</c> after about <see cref="DefaultBaseDelay"/> × 3 instead of holding a worker for minutes.
    /// </summary>
    public const int DefaultMaxAttempts = 3;

    /// <summary>The most attempts that may be asked for; past it a fault is not transient.</summary>
    public const int MaxAllowedAttempts = 100;

    /// <summary>2 s before the first retry: long enough for a dropped connection or a failed-over store to come back.</summary>
    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromSeconds(2);

    /// <summary>30 s at most between attempts: the lease is renewed meanwhile, and longer pauses only delay the error.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>Runs in all, the first included; 1 turns retries off.</summary>
    public int MaxAttempts { get; init; } = DefaultMaxAttempts;

    /// <summary>The pause before the first retry; each later pause doubles it.</summary>
    public TimeSpan BaseDelay { get; init; } = DefaultBaseDelay;

    /// <summary>The longest pause between two attempts.</summary>
    public TimeSpan MaxDelay { get; init; } = DefaultMaxDelay;

    /// <summary>The defaults.</summary>
    public static ExportRetryOptions Default { get; } = new();

    /// <summary>No retries: the first fault ends the export.</summary>
    public static ExportRetryOptions None { get; } = new() { MaxAttempts = 1 };

    /// <summary>
    /// The pause after failed attempt <paramref name="attempt"/> (1-based): <see cref="BaseDelay"/> × 2^(attempt − 1),
    /// at most <see cref="MaxDelay"/>. No jitter: exports retry independently, and tests can drive the clock exactly.
    /// </summary>
    public TimeSpan DelayAfter(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        double ticks = BaseDelay.Ticks * Math.Pow(2, Math.Min(attempt - 1, 62));
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public ExportRetryOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxAttempts, MaxAllowedAttempts, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(BaseDelay, TimeSpan.Zero, nameof(BaseDelay));
        if (MaxDelay < BaseDelay)
        {
            throw new ArgumentException($"MaxDelay ({MaxDelay}) must be at least BaseDelay ({BaseDelay})", nameof(MaxDelay));
        }

        return this;
    }
}

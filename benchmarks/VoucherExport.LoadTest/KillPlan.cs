namespace VoucherExport.LoadTest;

/// <summary>
/// Kill instance <paramref name="Instance"/> (0-based) <paramref name="After"/> the start, with <paramref name="KillAsync"/>
/// (SIGKILL); <paramref name="HeldAsync"/> names the exports it runs at that moment (from the registry's lease owners).
/// </summary>
public sealed record KillPlan(TimeSpan After, int Instance, Func<Task> KillAsync, Func<Task<IReadOnlyList<string>>> HeldAsync);

/// <summary>
/// What a kill did: the instance, the exports it was running, how many of them then ended elsewhere (the rest were deleted
/// by their clients meanwhile), and how long until the last of those ended.
/// </summary>
public sealed record KillOutcome(Uri Instance, int RunningAtKill, int FinishedElsewhere, TimeSpan KillToLastFinal);

namespace VoucherExport.Registry;

/// <summary>
/// Where one claim of an export stands in <see cref="ExportRunner"/> (docs/architecture.md, "The registry"). Moved only
/// by <see cref="ExportRun.MoveTo"/>; a lost lease found by the heartbeat is a flag (<see cref="ExportRun.LeaseLost"/>)
/// the run acts on at its next step, which then moves it to <see cref="LeaseLost"/>.
/// </summary>
// The final states come last (ExportRun.IsFinal).
internal enum ExportRunState
{
    /// <summary>Claimed with a lease: reading the chunks earlier attempts committed, clearing what they left uncommitted.</summary>
    Claimed,

    /// <summary>An attempt of the engine runs; its chunks are committed one by one.</summary>
    Running,

    /// <summary>An attempt failed on a transient fault: its leftovers go and the next attempt waits out its pause.</summary>
    Retrying,

    /// <summary>A split export: its range tasks run (here or on other registries), then their chunks are published.</summary>
    Coordinating,

    /// <summary>The final state (<c>DONE</c> or <c>ERROR</c>) is being recorded.</summary>
    Finishing,

    /// <summary>Final: <c>DONE</c> recorded.</summary>
    Done,

    /// <summary>Final: <c>ERROR</c> recorded (a cancellation included).</summary>
    Failed,

    /// <summary>Final: the run no longer holds the export (taken over, removed, or ended elsewhere); it writes nothing more.</summary>
    LeaseLost,

    /// <summary>Final: stopped by a shutdown (or a range task by its coordinator) and released for another claim.</summary>
    HandedBack,

    /// <summary>
    /// Final: a fault outside an attempt (the store failed while the run began or ended, or it was stopped before its
    /// first attempt); nothing more is recorded, the lease runs out and the next claim finishes the export.
    /// </summary>
    Abandoned,
}

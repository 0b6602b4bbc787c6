using System.Diagnostics;
using VoucherExport.Chunks;

namespace VoucherExport.Registry;

/// <summary>
/// The in-process side of one running claim: its lease, state, cancellation, live progress and completion. The registry
/// reads it (live progress, cancel, delete, wait); <see cref="ExportRunner"/> moves it.
/// </summary>
internal sealed class ExportRun(ExportLease lease) : IProgress<ExportProgress>
{
    private ExportProgress _latest;
    private readonly Lock _gate = new();
    private volatile ExportLease _lease = lease;
    private volatile ExportRunState _state = ExportRunState.Claimed;

    public ExportLease Lease
    {
        get => _lease;
        set => _lease = value;
    }

    /// <summary>Where the run stands; changed only by <see cref="MoveTo"/>.</summary>
    public ExportRunState State => _state;

    /// <summary>Set when the store refused this claim (a renewal, a commit) or the heartbeat could not renew in time.</summary>
    public volatile bool LeaseLost;

    /// <summary>The registry clock's timestamp when this claim began (for the duration in the lifecycle lines).</summary>
    public long StartedTimestamp { get; init; }

    public CancellationTokenSource Cancellation { get; } = new();

    public TaskCompletionSource<ExportObject?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public volatile bool Deleted;

    /// <summary>Set by <see cref="ExportRegistry.CancelAsync"/>: the run ends in ERROR but the export stays.</summary>
    public volatile bool CancelledByOperator;

    /// <summary>The chunks recorded as committed (by earlier attempts and this one), in order.</summary>
    public List<ChunkInfo> Committed { get; } = [];

    /// <summary>Runs of the engine in this claim, the current one included.</summary>
    public volatile int Attempts;

    public ExportProgress Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    /// <summary>Whether <paramref name="state"/> ends the claim.</summary>
    public static bool IsFinal(ExportRunState state) => state >= ExportRunState.Done;

    /// <summary>The one way the state changes. Only the claim's own flow calls it, one step after another; a final state is never left.</summary>
    public void MoveTo(ExportRunState next)
    {
        ExportRunState current = _state;
        Debug.Assert(!IsFinal(current), $"a run in {current} cannot move to {next}");
        _state = next;
    }

    public void Report(ExportProgress value)
    {
        lock (_gate)
        {
            _latest = value;
        }
    }
}

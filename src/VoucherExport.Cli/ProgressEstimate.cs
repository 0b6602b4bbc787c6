using VoucherExport.Registry;

namespace VoucherExport.Cli;

/// <summary>
/// The percent and time left of the phase an export is in, from the progress seen so far: the rate is measured from the
/// first sighting of the phase, so a phase that started slowly (start-up, a sort's first run) does not skew it for long.
/// </summary>
internal sealed class ProgressEstimate
{
    // Below this much time or work in a phase the rate says nothing yet.
    private static readonly TimeSpan s_minimumWindow = TimeSpan.FromMilliseconds(500);

    private ExportPhase? _phase;
    private TimeSpan _phaseStart;
    private long _doneAtStart;

    /// <summary>The phase's part done (0–100), or null when its total is not known.</summary>
    public double? Percent { get; private set; }

    /// <summary>The time the phase still needs at the rate seen so far, or null when it cannot be told yet.</summary>
    public TimeSpan? Remaining { get; private set; }

    /// <summary>Takes in <paramref name="progress"/>, seen <paramref name="elapsed"/> after the export started.</summary>
    public void Update(ExportProgress progress, TimeSpan elapsed)
    {
        if (_phase != progress.Phase)
        {
            _phase = progress.Phase;
            _phaseStart = elapsed;
            _doneAtStart = progress.PhaseDone;
        }

        Percent = progress.PhaseFraction * 100;
        Remaining = null;
        TimeSpan window = elapsed - _phaseStart;
        long done = progress.PhaseDone - _doneAtStart;
        if (progress.PhaseTotal > 0 && window >= s_minimumWindow && done > 0)
        {
            double left = Math.Max(progress.PhaseTotal - progress.PhaseDone, 0);
            Remaining = TimeSpan.FromSeconds(Math.Min(window.TotalSeconds * left / done, TimeSpan.FromDays(99).TotalSeconds));
        }
    }
}

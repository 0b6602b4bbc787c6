using VoucherExport.Transactions;

namespace VoucherExport.Registry;

/// <summary>How far a running export has come.</summary>
/// <param name="Rows">Records written.</param>
/// <param name="Bytes">Bytes written, headers included.</param>
/// <param name="Chunks">Chunks started.</param>
public readonly record struct ExportProgress(long Rows, long Bytes, int Chunks)
{
    /// <summary>What the export is doing now.</summary>
    public ExportPhase Phase { get; init; }

    /// <summary>How much of the phase's work is done, in <see cref="PhaseUnit"/> (source bytes read, or rows written after a sort).</summary>
    public long PhaseDone { get; init; }

    /// <summary>The whole of the phase's work in <see cref="PhaseUnit"/>, or 0 when it is not known (a source of unknown size, the in-memory sort).</summary>
    public long PhaseTotal { get; init; }

    /// <summary>What <see cref="PhaseDone"/> and <see cref="PhaseTotal"/> count.</summary>
    public ProgressUnit PhaseUnit { get; init; }

    /// <summary>The part of the phase done, 0 to 1, or null when its total is not known.</summary>
    public double? PhaseFraction => PhaseTotal > 0 ? Math.Clamp((double)PhaseDone / PhaseTotal, 0, 1) : null;
}

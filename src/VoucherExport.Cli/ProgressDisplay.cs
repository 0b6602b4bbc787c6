using System.Diagnostics;
using System.Globalization;
using System.Text;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Cli;

/// <summary>
/// How <c>export</c> shows progress on stderr: a live bar on a terminal, a plain line every two seconds when stderr is
/// redirected, JSON lines with <c>--json</c>, nothing with <c>--quiet</c>. Each shows the phase (reading, sorting,
/// merging, writing), its percent and the time it still needs when the source's size is known.
/// </summary>
internal sealed class ProgressDisplay
{
    private const int BarWidth = 24;
    private static readonly string[] s_spinner = ["|", "/", "-", "\\"];
    private readonly TextWriter? _output;
    private readonly bool _terminal;
    private readonly bool _json;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ProgressEstimate _estimate = new();
    private int _ticks;

    private ProgressDisplay(TextWriter? output, bool terminal, bool json)
    {
        _output = output;
        _terminal = terminal;
        _json = json;
    }

    public static ProgressDisplay Create(TextWriter stderr, bool quiet, bool json) =>
        quiet ? new(null, false, false) : new(stderr, !json && !Console.IsErrorRedirected, json);

    public TimeSpan Interval => _terminal ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(2);

    public bool Enabled => _output is not null;

    public async Task StartedAsync(string exportId, string what)
    {
        if (_output is not null && !_json)
        {
            await _output.WriteLineAsync(what);
        }
    }

    public async Task ShowAsync(ExportProgress p)
    {
        if (_output is null)
        {
            return;
        }

        TimeSpan elapsed = _clock.Elapsed;
        _estimate.Update(p, elapsed);
        if (_json)
        {
            await _output.WriteLineAsync(Json(p, elapsed, _estimate));
            return;
        }

        string line = Line(p, elapsed, _estimate, s_spinner[_ticks++ % s_spinner.Length]);
        await _output.WriteAsync(_terminal ? $"\r{line}" : line + Environment.NewLine);
    }

    /// <summary>One JSON progress line: the counts, the phase, and its percent and seconds left (null when not known).</summary>
    internal static string Json(ExportProgress p, TimeSpan elapsed, ProgressEstimate estimate)
    {
        double seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        string percent = estimate.Percent is { } value ? value.ToString("F1", CultureInfo.InvariantCulture) : "null";
        string eta = estimate.Remaining is { } left ? Math.Ceiling(left.TotalSeconds).ToString(CultureInfo.InvariantCulture) : "null";
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"phase":"{{ExportJson.PhaseName(p.Phase)}}","percent":{{percent}},"eta_seconds":{{eta}},"rows":{{p.Rows}},"bytes":{{p.Bytes}},"chunks":{{p.Chunks}},"rows_per_second":{{p.Rows / seconds:F0}},"elapsed_ms":{{(long)elapsed.TotalMilliseconds}}}""");
    }

    /// <summary>
    /// One human line: the phase, a bar with percent and time left when the total is known (a spinner otherwise), then
    /// what was read (before the first row is written) or written.
    /// </summary>
    internal static string Line(ExportProgress p, TimeSpan elapsed, ProgressEstimate estimate, string spinner)
    {
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"{ExportJson.PhaseName(p.Phase),-7} ");
        if (estimate.Percent is { } percent)
        {
            int filled = (int)Math.Round(percent / 100 * BarWidth);
            line.Append('[').Append('#', filled).Append('.', BarWidth - filled).Append(']');
            line.Append(CultureInfo.InvariantCulture, $" {percent,5:F1}%");
            line.Append(estimate.Remaining is { } left ? $"  ETA {Clock(left)}" : "  ETA --:--:--");
        }
        else
        {
            line.Append('[').Append(spinner).Append(']');
        }

        double seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        // While the last run is sorted in memory there is nothing to count until the first row comes out.
        if (p.Phase == ExportPhase.Reading && p.Rows == 0)
        {
            line.Append(p.PhaseUnit == ProgressUnit.Bytes
                ? string.Create(CultureInfo.InvariantCulture, $"  {p.PhaseDone / 1048576.0:N1} of {p.PhaseTotal / 1048576.0:N1} MB read")
                : string.Create(CultureInfo.InvariantCulture, $"  {p.PhaseDone:N0} rows read"));
        }
        else if (p.Phase != ExportPhase.Sorting)
        {
            line.Append(CultureInfo.InvariantCulture,
                $"  {p.Rows:N0} rows  {p.Bytes / 1048576.0:N1} MB  {p.Rows / seconds:N0} rows/s  {p.Chunks} chunks");
        }

        line.Append("  ").Append(Clock(elapsed));
        return line.ToString();
    }

    public async Task FinishedAsync(ExportObject final)
    {
        if (_output is null || _json)
        {
            return;
        }

        if (_terminal)
        {
            await _output.WriteLineAsync();
        }

        await _output.WriteLineAsync(final.Status == ExportStatus.Done
            ? string.Create(CultureInfo.InvariantCulture, $"{final.Id}: DONE, {final.Result!.Rows:N0} rows in {final.Result.Chunks.Count} chunks, {_clock.Elapsed.TotalSeconds:N1} s{(final.Result.SkippedRows > 0 ? $", {final.Result.SkippedRows:N0} malformed ledger rows skipped" : "")}")
            : $"{final.Id}: ERROR, {final.Error?.Details}");
    }

    private static string Clock(TimeSpan time) => time.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
}

using System.Diagnostics;
using System.Globalization;
using VoucherExport.Registry;

namespace VoucherExport.Cli;

/// <summary>
/// How <c>export</c> shows progress on stderr: a live bar on a terminal, a plain line every two seconds when stderr is
/// redirected, JSON lines with <c>--json</c>, nothing with <c>--quiet</c>.
/// </summary>
internal sealed class ProgressDisplay
{
    private static readonly string[] s_spinner = ["|", "/", "-", "\\"];
    private readonly TextWriter? _output;
    private readonly bool _terminal;
    private readonly bool _json;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
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

        double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        if (_json)
        {
            await _output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $$"""{"rows":{{p.Rows}},"bytes":{{p.Bytes}},"chunks":{{p.Chunks}},"rows_per_second":{{p.Rows / seconds:F0}},"elapsed_ms":{{_clock.ElapsedMilliseconds}}}"""));
            return;
        }

        string line = string.Create(CultureInfo.InvariantCulture,
            $"{p.Rows,12:N0} rows  {p.Bytes / 1048576.0,9:N1} MB  {p.Rows / seconds,10:N0} rows/s  {p.Chunks,4} chunks  {_clock.Elapsed:hh\\:mm\\:ss}");
        await _output.WriteAsync(_terminal ? $"\r[{s_spinner[_ticks++ % s_spinner.Length]}] {line}" : line + Environment.NewLine);
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
}

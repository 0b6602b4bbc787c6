using System.Globalization;
using System.Text;

namespace VoucherExport.LoadTest;

/// <summary>The markdown report of a load run; its last line is one machine-readable summary.</summary>
public static class LoadReport
{
    /// <summary>Writes the report; <paramref name="peakBytes"/> and <paramref name="startBytes"/> are the server's VmHWM at the end and after start.</summary>
    public static string Format(LoadResult result, long? peakBytes, long? startBytes, int serverErrorLines)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        LoadOptions o = result.Options;
        double seconds = result.Measured.TotalSeconds;
        text.Append(CultureInfo.InvariantCulture, $"{o.Clients} clients for {o.Duration.TotalSeconds:0.#} s (ran {result.Elapsed.TotalSeconds:0.0} s; requests, rates and latencies below leave out the first {o.Warmup.TotalSeconds:0.#} s, errors and checks cover all of it) against a demo ledger of {o.Rows:N0} rows; ")
            .Append(CultureInfo.InvariantCulture, $"{o.MaxConcurrentExports} exports at once (Exports:MaxConcurrent), chunks of at most {o.MaxChunkRows:N0} rows, ")
            .Append(CultureInfo.InvariantCulture, $"{o.Templates} export templates from seed {o.Seed}, {o.CancelPercent} % deleted right after creation.\n\n");
        text.Append("| Operation | Requests | Requests/s | p50 ms | p90 ms | p99 ms | max ms | Errors |\n");
        text.Append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (OperationSummary op in result.Operations)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"| {op.Operation} | {op.Requests:N0} | {op.Requests / seconds:N1} | {op.P50:N1} | {op.P90:N1} | {op.P99:N1} | {op.Max:N1} | {op.Errors} |\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"| **all** | **{result.Requests:N0}** | **{result.RequestsPerSecond:N1}** | | | | | **{result.Errors}** |\n\n");
        text.Append("| Figure | Value |\n|---|---:|\n");
        Row(text, "Exports created", $"{result.ExportsCreated:N0}");
        Row(text, "Exports DONE, every byte checked", $"{result.ExportsDone:N0}");
        Row(text, "Exports deleted right after creation (cancelled queued or running)", $"{result.ExportsCancelled:N0}");
        Row(text, "Rows verified (whole-export downloads)", $"{result.RowsVerified:N0}");
        Row(text, "Bytes verified (whole exports, chunks, ranges)", $"{result.BytesVerified:N0} ({result.BytesVerified / 1048576.0:N1} MiB)");
        Row(text, "Most exports IN_PROGRESS in one listing / bound", $"{result.MaxInProgress} / {o.ServiceBound}");
        Row(text, "Most exports SCHEDULED (queued) in one listing", $"{result.MaxScheduled}");
        Row(text, "Monitor listings", $"{result.MonitorSamples:N0}");
        Row(text, "Server peak memory (VmHWM)", Mib(peakBytes));
        Row(text, "Server memory after start, before load (VmHWM)", Mib(startBytes));
        Row(text, "Server log lines at Error level", $"{serverErrorLines}");
        if (result.Kill is { } kill)
        {
            Row(text, $"Instance {kill.Instance} killed (SIGKILL) at {o.KillAfter?.TotalSeconds:0.#} s; exports it was running", $"{kill.RunningAtKill}");
            Row(text, "Of them, ended elsewhere (the rest deleted by their clients meanwhile)", $"{kill.FinishedElsewhere}");
            Row(text, $"Kill to the last of them ending elsewhere (lease {(o.Lease is { } l ? $"{l.TotalSeconds:0.#} s" : "default")})", $"{kill.KillToLastFinal.TotalSeconds:0.0} s");
            Row(text, "Iterations cut short by the kill (in flight to the dead instance)", $"{result.LostToKill}");
        }

        Row(text, "Errors", $"{result.Errors}");
        if (result.FirstErrors.Count > 0)
        {
            text.Append("\nFirst errors:\n\n");
            foreach (string error in result.FirstErrors)
            {
                text.Append("- ").Append(error.Length > 600 ? error[..600] + "…" : error).Append('\n');
            }
        }

        text.Append('\n').Append(SummaryLine(result, peakBytes)).Append('\n');
        return text.ToString();
    }

    /// <summary>One line, <c>key=value</c> pairs, for scripts.</summary>
    public static string SummaryLine(LoadResult result, long? peakBytes)
    {
        ArgumentNullException.ThrowIfNull(result);
        OperationSummary? download = result.Operations.FirstOrDefault(o => o.Operation == "download");
        OperationSummary? export = result.Operations.FirstOrDefault(o => o.Operation.StartsWith("export", StringComparison.Ordinal));
        return string.Create(CultureInfo.InvariantCulture,
            $"LOAD instances={result.Options.Instances ?? 1} clients={result.Options.Clients} duration_s={result.Elapsed.TotalSeconds:0.0} measured_s={result.Measured.TotalSeconds:0.0} requests={result.Requests} rps={result.RequestsPerSecond:0.0} errors={result.Errors} exports_done={result.ExportsDone} exports_cancelled={result.ExportsCancelled} rows_verified={result.RowsVerified} bytes_verified={result.BytesVerified} download_p99_ms={download?.P99 ?? 0:0.0} export_p50_ms={export?.P50 ?? 0:0.0} export_p90_ms={export?.P90 ?? 0:0.0} export_p99_ms={export?.P99 ?? 0:0.0} peak_rss_mib={(peakBytes is { } p ? (p / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) : "na")} max_in_progress={result.MaxInProgress} bound={result.Options.ServiceBound} max_scheduled={result.MaxScheduled}{(result.Kill is { } k ? $" running_at_kill={k.RunningAtKill} finished_elsewhere={k.FinishedElsewhere} kill_to_last_final_s={k.KillToLastFinal.TotalSeconds:0.0} lost_to_kill={result.LostToKill}" : "")}");
    }

    private static void Row(StringBuilder text, string name, string value) => text.Append("| ").Append(name).Append(" | ").Append(value).Append(" |\n");

    private static string Mib(long? bytes) =>
        bytes is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b / 1048576.0:N1} MiB") : "n/a (no /proc)";
}

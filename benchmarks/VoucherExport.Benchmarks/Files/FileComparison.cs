using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using VoucherExport.Benchmarks.Scale;

namespace VoucherExport.Benchmarks.Files;

/// <summary>
/// The file-to-chunks comparison (<c>-- --vs-duckdb N</c>, and a 1M-row part of <c>--quick</c>): the same JSON Lines
/// ledger exported to CSV by the engine and by DuckDB, the same rows and 12 columns, in both orders, streamed (a ledger
/// already in the export's order, declared to the engine, copied without ORDER BY by DuckDB) and sorted (a shuffled
/// ledger, sorted by both). Each export runs in its own process of this program (<see cref="FileExportChild"/>), so its
/// CPU time and peak resident set are its own; the sides take turns.
/// </summary>
internal static class FileComparison
{
    /// <summary>Rows of the comparison inside <c>--quick</c> (the issue's smaller size).</summary>
    public const long QuickRows = 1_000_000;

    private const int Seed = 42;

    private static readonly string[] s_orders = ["created_at", "-created_at"];

    /// <summary>The full comparison at 1M and <paramref name="rows"/> rows; prints the table and writes it to benchmarks/results.</summary>
    public static async Task<int> RunAsync(long rows, int repeats)
    {
        long[] sizes = rows <= QuickRows ? [rows] : [QuickRows, rows];
        var all = new List<Figures>();
        foreach (long size in sizes)
        {
            all.Add(await MeasureAsync(size, repeats));
        }

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Engine against DuckDB, file to chunks, {DateTime.UtcNow:yyyy-MM-dd}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`dotnet run -c Release --project benchmarks/VoucherExport.Benchmarks -- --vs-duckdb {rows}`");
        md.AppendLine();
        md.AppendLine(Machine());
        foreach (Figures figures in all)
        {
            md.AppendLine();
            md.Append(figures.Table);
            md.AppendLine();
            md.AppendLine(figures.Summary);
        }

        Console.WriteLine();
        Console.WriteLine(md.ToString());
        string file = Path.Combine(ScaleRun.RepoRoot(), "benchmarks", "results", $"duckdb-{DateTime.UtcNow:yyyy-MM-dd}.md");
        await File.WriteAllTextAsync(file, md.ToString());
        Console.WriteLine($"written to {file}");
        return 0;
    }

    /// <summary>
    /// Every case at <paramref name="rows"/> rows; returns the table and the three figures
    /// (<c>engine_vs_duckdb_stream</c>, <c>engine_vs_duckdb_sort</c>: DuckDB's median wall time over the engine's, the
    /// lower of the two orders; <c>engine_mem_vs_duckdb</c>: the engine's peak over DuckDB's, the highest of the four cases).
    /// </summary>
    public static async Task<Figures> MeasureAsync(long rows, int repeats)
    {
        string data = Environment.GetEnvironmentVariable("VOUCHER_EXPORT_SCALE_DATA")
            ?? Path.Combine(Path.GetTempPath(), "voucher-export-scale");
        Directory.CreateDirectory(data);
        var ledgers = ScaleRun.Ledgers.Ensure(data, rows, Seed);
        var results = new List<Result>();
        foreach (string order in s_orders)
        {
            foreach (bool sorted in new[] { false, true })
            {
                string ledger = sorted ? ledgers.Shuffled : order == "created_at" ? ledgers.Ascending : ledgers.Descending;
                ScaleRun.EvictPageCache(new[] { ledgers.Ascending, ledgers.Descending, ledgers.Shuffled }.Where(other => other != ledger));
                ScaleRun.WarmPageCache(ledger);
                var runs = new Dictionary<string, List<ChildFigures>> { ["engine"] = [], ["duckdb"] = [] };
                for (int r = 0; r < repeats; r++)
                {
                    // The sides take turns, the first changing every repeat, so load on a shared machine falls on both.
                    string[] sides = r % 2 == 0 ? ["engine", "duckdb"] : ["duckdb", "engine"];
                    foreach (string side in sides)
                    {
                        ChildFigures run = await RunChildAsync(side, ledger, order, sorted, data);
                        if (run.Rows != rows)
                        {
                            throw new InvalidOperationException($"{side} exported {run.Rows} rows of {ledger}, expected {rows}");
                        }

                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  {rows,12:N0} {order,-11} {(sorted ? "sorted" : "streamed"),-8} {side,-6} {run.Seconds,7:F2} s wall {run.CpuSeconds,7:F2} s CPU peak {run.PeakBytes / 1048576.0,8:F1} MB  load {ScaleRun.LoadAverage()}"));
                        runs[side].Add(run);
                    }
                }

                foreach ((string side, List<ChildFigures> these) in runs)
                {
                    results.Add(new Result(order, sorted, side, Median(these.Select(x => x.Seconds)), Median(these.Select(x => x.CpuSeconds)), these.Max(x => x.PeakBytes)));
                }
            }
        }

        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"{rows:N0} rows ({new FileInfo(ledgers.Ascending).Length / 1e6:N0} MB of JSON Lines), median of {repeats}:");
        table.AppendLine();
        table.AppendLine("| order | ledger | side | wall s | CPU s | cores busy | peak MB | DuckDB wall ÷ engine wall | engine peak ÷ DuckDB peak |");
        table.AppendLine("|---|---|---|--:|--:|--:|--:|--:|--:|");
        double stream = double.MaxValue, sort = double.MaxValue, memory = 0;
        foreach (Result engine in results.Where(x => x.Side == "engine"))
        {
            Result duck = results.Single(x => x.Side == "duckdb" && x.Order == engine.Order && x.Sorted == engine.Sorted);
            double speed = duck.Seconds / engine.Seconds;
            double peak = (double)engine.PeakBytes / duck.PeakBytes;
            memory = Math.Max(memory, peak);
            if (engine.Sorted)
            {
                sort = Math.Min(sort, speed);
            }
            else
            {
                stream = Math.Min(stream, speed);
            }

            foreach (Result x in new[] { engine, duck })
            {
                table.AppendLine(CultureInfo.InvariantCulture,
                    $"| `{x.Order}` | {(x.Sorted ? "shuffled, sorted" : "in order, streamed")} | {x.Side} | {x.Seconds:F2} | {x.CpuSeconds:F2} | {x.CpuSeconds / x.Seconds:F2} | {x.PeakBytes / 1048576.0:F1} | {(x == engine ? speed.ToString("F2", CultureInfo.InvariantCulture) : "")} | {(x == engine ? peak.ToString("F2", CultureInfo.InvariantCulture) : "")} |");
            }
        }

        string summary = string.Create(CultureInfo.InvariantCulture,
            $"engine_vs_duckdb_stream={stream:F2} engine_vs_duckdb_sort={sort:F2} engine_mem_vs_duckdb={memory:F2}");
        return new Figures(table.ToString(), summary);
    }

    private static async Task<ChildFigures> RunChildAsync(string side, string ledger, string order, bool sorted, string data)
    {
        string output = Path.Combine(data, $"out-{side}");
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        Directory.CreateDirectory(output);
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(FileComparison).Assembly.Location);
        }

        if (side == "engine")
        {
            // The engine side stands for `voucher-export export`, so it runs with the CLI's runtime settings
            // (src/VoucherExport.Cli/VoucherExport.Cli.csproj: no tiered PGO, loops compiled optimized at once; workstation
            // GC, concurrent, as this process already has).
            start.Environment["DOTNET_TieredPGO"] = "0";
            start.Environment["DOTNET_TC_QuickJitForLoops"] = "0";
        }

        foreach (string arg in new[] { FileExportChild.Flag, side, ledger, order, sorted ? "sorted" : "streamed", output })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the child");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Directory.Delete(output, recursive: true);
        string? last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (process.ExitCode != 0 || last is null)
        {
            throw new InvalidOperationException($"{side} on {ledger} failed (exit code {process.ExitCode}): {stdout} {await stderr}");
        }

        return JsonSerializer.Deserialize<ChildFigures>(last)!;
    }

    private static string Machine() => string.Join('\n',
        string.Create(CultureInfo.InvariantCulture, $"- machine: {ScaleRun.CpuModel()}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; DuckDB.NET.Data.Full {typeof(DuckDB.NET.Data.DuckDBConnection).Assembly.GetName().Version}"),
        "- each export in its own process of the benchmark program: wall and CPU time (user + system, all threads, native ones included) of the export alone, measured inside the child; peak = the child's VmHWM (peak resident set, the runtime's own included on both sides)",
        "- engine: `ExportEngine.RunAsync`, `JsonLinesTransactionSource` (declaring the ledger's order when streamed), all cores, all 12 fields, 64 MiB chunks on disk with SHA-256; DuckDB: `COPY (SELECT the 12 columns FROM read_json(...) [ORDER BY created_at, id]) TO 'file.csv' (HEADER)` on all cores, its default memory limit, spilling under the data folder",
        $"- load average when done: {ScaleRun.LoadAverage()}");

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>A comparison's table (markdown) and its one-line summary of the three figures.</summary>
    internal sealed record Figures(string Table, string Summary);

    private sealed record Result(string Order, bool Sorted, string Side, double Seconds, double CpuSeconds, long PeakBytes);
}

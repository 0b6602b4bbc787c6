using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using VoucherExport.Benchmarks.Peers;
using VoucherExport.Benchmarks.Sinks;

namespace VoucherExport.Benchmarks;

/// <summary>
/// The quick comparison (<c>-- --quick</c>): every case on one dataset, each checked byte for byte against the engine
/// first, then timed with a Stopwatch over several rounds (the cases take turns within a round, so noise from other
/// processes spreads over all of them), median of the rounds. Ends with the one-line summary.
/// </summary>
internal static class QuickRun
{
    /// <summary>Rows by default: large enough that per-run costs vanish, small enough to finish in two minutes on 2 cores.</summary>
    public const int DefaultRows = 400_000;

    /// <summary>
    /// Timed rounds by default; the median of an odd count is one real measurement. On a shared 2-core machine one case
    /// varied by up to 1.7× between the rounds of one run, so nine rounds (about 45 s) rather than five.
    /// </summary>
    public const int DefaultRounds = 9;

    /// <summary>Rounds stop early (after at least three) once the run has taken this long, so a busy machine still finishes in time.</summary>
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(95);

    /// <summary>What the registry comparison may add to the budget before it stops after three rounds.</summary>
    private static readonly TimeSpan s_registryBudget = TimeSpan.FromSeconds(20);

    /// <summary>Runs the comparison; <paramref name="only"/> keeps the cases whose name contains it (for profiling one case).</summary>
    /// <remarks>With <paramref name="files"/> (the file comparison against DuckDB, run before), its table is printed and its figures end the last line.</remarks>
    public static int Run(int rows, int rounds, string? only = null, Files.FileComparison.Figures? files = null)
    {
        var clock = Stopwatch.StartNew();
        int cores = Environment.ProcessorCount;
        Console.WriteLine($"# quick comparison: {rows:N0} rows, {cores} cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.ProcessArchitecture}");
        var data = BenchmarkData.Create(rows);
        ExportCase[] cases = ExportCase.All(cores);
        if (only is not null)
        {
            cases = [.. cases.Where(c => c.Name.Contains(only, StringComparison.OrdinalIgnoreCase))];
            if (cases.Length == 0 && !"registry".Contains(only, StringComparison.OrdinalIgnoreCase))
            {
                Console.Error.WriteLine($"no case name contains \"{only}\"");
                return 2;
            }
        }

        byte[] reference = OutputCheck.Reference(data);
        Console.WriteLine($"# dataset: {reference.Length / (double)rows:F1} bytes of CSV a row, {reference.Length / 1e6:F1} MB (built in {clock.Elapsed.TotalSeconds:F1} s)");
        var excluded = new Dictionary<ExportCase, string>();
        foreach (ExportCase c in cases)
        {
            // The check doubles as the warm-up: every case has run once, on the whole dataset, before timing.
            if (OutputCheck.Compare(c, data, reference) is string difference)
            {
                excluded[c] = difference;
                Console.WriteLine($"# {c.Name}: DIFFERENT OUTPUT, left out of the ratios: {difference}");
            }
        }

        var seconds = cases.ToDictionary(c => c, _ => new List<double>());
        var allocated = cases.ToDictionary(c => c, _ => new List<long>());
        var cpu = cases.ToDictionary(c => c, _ => new List<double>());
        for (int round = 0; round < rounds; round++)
        {
            if (round >= 3 && clock.Elapsed > s_budget)
            {
                Console.WriteLine($"# stopped after {round} rounds: {clock.Elapsed.TotalSeconds:F0} s used of the time budget");
                break;
            }

            for (int k = 0; k < cases.Length; k++)
            {
                // A different case goes first in each round, so none always runs right after the heaviest.
                ExportCase c = cases[(k + round) % cases.Length];
                var output = new CountingStream();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                long before = GC.GetTotalAllocatedBytes(precise: true);
                TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                long start = Stopwatch.GetTimestamp();
                c.Write(data, output);
                double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
                cpu[c].Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / elapsed);
                allocated[c].Add(GC.GetTotalAllocatedBytes(precise: true) - before);
                seconds[c].Add(elapsed);
                if (output.Written != reference.Length && !excluded.ContainsKey(c))
                {
                    throw new InvalidOperationException($"{c.Name} wrote {output.Written} bytes, expected {reference.Length}");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("| case | threads | median s | fastest–slowest s | rows/s | CSV MB/s | cores busy | allocated B/row | vs engine, 1 thread |");
        Console.WriteLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        double engineSingle = cases.OfType<EngineCase>().Where(c => c is { Threads: 1, Checksums: false }).Select(c => Median(seconds[c])).DefaultIfEmpty(double.NaN).First();
        foreach (ExportCase c in cases)
        {
            double median = Median(seconds[c]);
            string note = excluded.ContainsKey(c) ? " (different bytes)" : "";
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {c.Name}{note} | {c.Threads} | {median:F3} | {seconds[c].Min():F3}–{seconds[c].Max():F3} | {rows / median:N0} | {reference.Length / median / 1e6:F0} | {Median(cpu[c]):F2} | {allocated[c].Min() / (double)rows:F2} | {median / engineSingle:F2}x |"));
        }

        // The registry path on the same rows (skipped when --only names a case and not it).
        RegistryComparison.Figures? registry = only is null || "registry".Contains(only, StringComparison.OrdinalIgnoreCase)
            ? RegistryComparison.MeasureAsync(data, rounds, clock, s_budget + s_registryBudget).GetAwaiter().GetResult()
            : null;
        if (registry is not null)
        {
            Console.WriteLine();
            Console.Write(registry.Table);
        }

        var included = cases.Where(c => !excluded.ContainsKey(c)).ToArray();
        double bestSingle = included.Where(c => !c.IsEngine && c.Threads == 1).Select(c => rows / Median(seconds[c])).DefaultIfEmpty(double.NaN).Max();
        double engineParallel = cases.OfType<EngineCase>().Where(c => c.Checksums && c.Threads == cores).Select(c => rows / Median(seconds[c])).DefaultIfEmpty(double.NaN).First();
        double helperParallel = included.OfType<CsvHelperParallelCase>().Select(c => rows / Median(seconds[c])).DefaultIfEmpty(double.NaN).First();
        double allocPerRow = cases.Where(c => c.IsEngine).Select(c => allocated[c].Min()).DefaultIfEmpty(0).Max() / (double)rows;

        Console.WriteLine();
        Console.WriteLine("# engine_vs_best_single: the engine on one thread, checksums off (they belong on another core), against the fastest one-thread peer.");
        Console.WriteLine($"# engine_parallel_vs_csvhelper_parallel: the engine on {cores} threads with SHA-256 of every chunk, against CsvHelper ParallelWriteRecords.");
        Console.WriteLine("# cores busy: process CPU time over wall time while the case ran (GC and runtime threads included); below the thread count means the machine was shared.");
        Console.WriteLine("# engine_alloc_bytes_per_row: the most any engine case allocated (all threads, GC.GetTotalAllocatedBytes), lowest round, per row.");
        if (files is not null)
        {
            Console.WriteLine();
            Console.Write(files.Table);
            Console.WriteLine("# engine_vs_duckdb_stream / _sort: DuckDB's wall time over the engine's, the lower of the two orders; engine_mem_vs_duckdb: the engine's peak resident set over DuckDB's, the highest of the four cases.");
        }

        Console.WriteLine($"# took {clock.Elapsed.TotalSeconds:F0} s");
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"engine_vs_best_single={rows / engineSingle / bestSingle:F2} engine_parallel_vs_csvhelper_parallel={engineParallel / helperParallel:F2} engine_alloc_bytes_per_row={allocPerRow:F2}{(files is null ? "" : " " + files.Summary)}{(registry is null ? "" : " " + registry.Summary)}"));
        return excluded.Keys.Any(c => c.IsEngine) ? 1 : 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

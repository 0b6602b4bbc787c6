using System.Diagnostics;
using System.Globalization;
using System.Text;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Benchmarks;

/// <summary>
/// The quick run's registry figure (issue 14: "the quick benchmark measures the registry path as well as
/// <c>RunAsync</c>"): the same rows exported by <see cref="ExportEngine.RunAsync"/> and through an
/// <see cref="ExportRegistry"/> as a host builds it (in-memory store, file-system sinks, default options, so default
/// <see cref="ExportRegistryOptions.Parallelism"/>), both into chunk files under one temporary folder, taking turns
/// round by round. The registry's time runs from the create call to <see cref="ExportRegistry.WaitAsync"/> returning
/// the final export: scheduling, the worker's claim, the lease, live progress and the final store write included.
/// </summary>
internal static class RegistryComparison
{
    private const string AppId = "benchmark-app";

    /// <summary>What the registry figure adds to the quick run: both throughputs and a line for the summary.</summary>
    /// <param name="RunRowsPerSecond">Rows a second of <see cref="ExportEngine.RunAsync"/>, median of the rounds.</param>
    /// <param name="RegistryRowsPerSecond">Rows a second through the registry, median of the rounds.</param>
    /// <param name="Table">The Markdown table of both.</param>
    public sealed record Figures(double RunRowsPerSecond, double RegistryRowsPerSecond, string Table)
    {
        /// <summary>The registry's throughput over <c>RunAsync</c>'s: 1 when the registry adds nothing.</summary>
        public double Ratio => RegistryRowsPerSecond / RunRowsPerSecond;

        /// <summary>The summary line's part.</summary>
        public string Summary => string.Create(CultureInfo.InvariantCulture, $"registry_vs_run={Ratio:F2}");
    }

    /// <summary>
    /// Measures <paramref name="rounds"/> rounds (fewer when <paramref name="deadline"/> passes after three), each
    /// export first checked to give the same chunks (count, rows, SHA-256) as the other path.
    /// </summary>
    public static async Task<Figures> MeasureAsync(BenchmarkData data, int rounds, Stopwatch clock, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(data);
        string root = Path.Combine(Path.GetTempPath(), $"vx-quick-registry-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        try
        {
            var sinks = new FileSystemChunkSinkFactory(root);
            var parameters = new ExportParameters(ExportOrder.CreatedAtAscending, BenchmarkData.Fields, Filters: null);
            var source = new InMemoryTransactionSource(data.Rows, declaredOrder: ExportOrder.CreatedAtAscending);
            await using var registry = new ExportRegistry(new InMemoryExportStore(), source, sinks);

            // One of each before timing: the warm-up, and the check that both paths write the same chunks.
            ExportObject first = await RunAsync(parameters, source, sinks).ConfigureAwait(false);
            await RemoveAsync(null, root, first.Id).ConfigureAwait(false);
            string expected = Digest(first);
            ExportObject second = await ThroughRegistryAsync(registry, parameters).ConfigureAwait(false);
            await RemoveAsync(registry, root, second.Id).ConfigureAwait(false);
            string throughRegistry = Digest(second);
            if (throughRegistry != expected)
            {
                throw new InvalidOperationException($"the registry wrote other chunks than RunAsync: {throughRegistry} against {expected}");
            }

            var run = new List<double>();
            var viaRegistry = new List<double>();
            for (int round = 0; round < rounds && (round < 3 || clock.Elapsed < deadline); round++)
            {
                // Alternate which goes first, so neither always follows the other's garbage.
                for (int k = 0; k < 2; k++)
                {
                    bool registryTurn = (k + round) % 2 == 1;
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    long start = Stopwatch.GetTimestamp();
                    ExportObject done = registryTurn
                        ? await ThroughRegistryAsync(registry, parameters).ConfigureAwait(false)
                        : await RunAsync(parameters, source, sinks).ConfigureAwait(false);
                    double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    await RemoveAsync(registryTurn ? registry : null, root, done.Id).ConfigureAwait(false);
                    if (Digest(done) != expected)
                    {
                        throw new InvalidOperationException($"{(registryTurn ? "the registry" : "RunAsync")} wrote other chunks in round {round + 1}");
                    }

                    (registryTurn ? viaRegistry : run).Add(seconds);
                }
            }

            int rows = data.Rows.Length;
            double runMedian = Median(run), registryMedian = Median(viaRegistry);
            var table = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"# the registry path: {rows:N0} rows, in-memory store, file-system sinks under {Path.GetTempPath()}, default parallelism ({ChunkedCsvWriter.AllCores}), {run.Count} rounds")
                .AppendLine("| path | median s | fastest–slowest s | rows/s | vs RunAsync |")
                .AppendLine("|---|--:|--:|--:|--:|")
                .AppendLine(CultureInfo.InvariantCulture, $"| `ExportEngine.RunAsync` | {runMedian:F3} | {run.Min():F3}–{run.Max():F3} | {rows / runMedian:N0} | 1.00 |")
                .AppendLine(CultureInfo.InvariantCulture, $"| `ExportRegistry` create → wait | {registryMedian:F3} | {viaRegistry.Min():F3}–{viaRegistry.Max():F3} | {rows / registryMedian:N0} | {runMedian / registryMedian:F2} |")
                .AppendLine("# registry_vs_run: the registry's rows/s over RunAsync's on the same rows and sinks (1.00: the registry adds nothing).")
                .ToString();
            return new Figures(rows / runMedian, rows / registryMedian, table);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<ExportObject> RunAsync(ExportParameters parameters, ITransactionSource source, IChunkSinkFactory sinks)
    {
        ExportResult result = await ExportEngine.RunAsync(ExportRequest.For(parameters), source, sinks).ConfigureAwait(false);
        return result.Export;
    }

    private static async Task<ExportObject> ThroughRegistryAsync(ExportRegistry registry, ExportParameters parameters)
    {
        ExportObject created = await registry.CreateAsync(AppId, ExportScope.All, parameters).ConfigureAwait(false);
        ExportObject done = await registry.WaitAsync(AppId, created.Id).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"export {created.Id} vanished");
        if (done.Status != ExportStatus.Done)
        {
            throw new InvalidOperationException($"export {created.Id} ended {done.Status}: {done.Error?.Message}");
        }

        return done;
    }

    /// <summary>Removes an export's files (and its record, when it went through <paramref name="registry"/>); untimed.</summary>
    private static async Task RemoveAsync(ExportRegistry? registry, string root, string exportId)
    {
        if (registry is not null)
        {
            await registry.DeleteAsync(AppId, exportId).ConfigureAwait(false);
        }

        string folder = Path.Combine(root, exportId);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Digest(ExportObject done) =>
        string.Join(",", done.Result!.Chunks.Select(c => $"{c.Info.Rows}:{c.Info.Sha256}"));

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

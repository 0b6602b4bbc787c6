using System.Diagnostics;
using Amazon.Runtime;
using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.S3;
using VoucherExport.Transactions;

namespace VoucherExport.Adapters.Benchmarks;

/// <summary>
/// The S3 case: one DemoLedger export (all 12 fields, oldest first, 64 MiB chunks) to chunks on disk and to the S3
/// gateway from VX_S3_ENDPOINT / VX_S3_ACCESS_KEY / VX_S3_SECRET_KEY, with the part size and parts in flight around
/// the defaults. The sinks take turns, round after round, so a busy neighbour slows all of them alike; the table gives
/// each one's best and median. Run: <c>-- s3-sinks [rows] [rounds]</c> with args <c>[rows] [rounds]</c>; Markdown on stdout.
/// </summary>
internal static class S3SinkComparison
{
    private const int MiB = 1024 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        long rows = args.Length > 0 ? long.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        int rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
        string? endpoint = Environment.GetEnvironmentVariable("VX_S3_ENDPOINT");
        string? accessKey = Environment.GetEnvironmentVariable("VX_S3_ACCESS_KEY");
        string? secretKey = Environment.GetEnvironmentVariable("VX_S3_SECRET_KEY");
        if (endpoint is null || accessKey is null || secretKey is null)
        {
            Console.Error.WriteLine("S3 case: set VX_S3_ENDPOINT, VX_S3_ACCESS_KEY, VX_S3_SECRET_KEY (eval \"$(scripts/start-s3)\")");
            return 1;
        }

        var s3Options = new S3ChunkSinkOptions
        {
            BucketName = "vx-bench-" + Guid.NewGuid().ToString("N")[..12],
            Prefix = "bench",
            ServiceUrl = new Uri(endpoint),
            Credentials = new BasicAWSCredentials(accessKey, secretKey),
            CreateBucket = true,
        };
        string disk = Path.Combine(Path.GetTempPath(), "vx-s3case-" + Guid.NewGuid().ToString("N"));
        var sinks = new List<(string Name, IChunkSinkFactory Factory)> { ("disk", new FileSystemChunkSinkFactory(disk)) };
        foreach (var (partMiB, inFlight) in new[] { (16, 2), (16, 1), (16, 4), (8, 2), (32, 2) })
        {
            sinks.Add(($"S3, {partMiB} MiB parts × {inFlight}", new S3ChunkSinkFactory(s3Options with { PartSize = partMiB * (long)MiB, MaxPartsInFlight = inFlight })));
        }

        var runs = new List<(string Sink, double Seconds, double CpuSeconds, long Bytes)>();
        try
        {
            // Warm-up: JIT, connection pools, bucket creation.
            foreach (var (_, factory) in sinks)
            {
                await TimeAsync(new DemoLedger(20_000), factory);
            }

            var ledger = new DemoLedger(rows);
            for (int round = 0; round < rounds; round++)
            {
                foreach (var (name, factory) in sinks)
                {
                    var (seconds, cpu, bytes) = await TimeAsync(ledger, factory);
                    runs.Add((name, seconds, cpu, bytes));
                    Console.Error.WriteLine($"  round {round + 1}, {name}: {seconds:N2} s, exporter CPU {cpu:N2} s");
                }
            }
        }
        finally
        {
            foreach (var (_, factory) in sinks)
            {
                (factory as IDisposable)?.Dispose();
            }

            if (Directory.Exists(disk))
            {
                Directory.Delete(disk, recursive: true);
            }
        }

        double diskMedian = Median(runs.Where(r => r.Sink == "disk").Select(r => r.Seconds));
        Console.WriteLine($"{rows:N0} rows, all 12 fields, oldest first, 64 MiB chunks: {runs[0].Bytes / 1e6:N1} MB of CSV; {rounds} rounds, sinks taking turns");
        Console.WriteLine();
        Console.WriteLine("| sink | median s | best s | rows/s (median) | MB/s (median) | exporter CPU s | vs disk (median) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var group in runs.GroupBy(r => r.Sink))
        {
            double median = Median(group.Select(r => r.Seconds));
            double cpu = Median(group.Select(r => r.CpuSeconds));
            Console.WriteLine(
                $"| {group.Key} | {median:N2} | {group.Min(r => r.Seconds):N2} | {rows / median:N0} | {group.First().Bytes / 1e6 / median:N1} | {cpu:N2} | {diskMedian / median:N2} |");
        }

        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Runs one export, then deletes what it stored (the gateway keeps objects in RAM): wall and CPU seconds, bytes.</summary>
    private static async Task<(double Seconds, double CpuSeconds, long Bytes)> TimeAsync(DemoLedger ledger, IChunkSinkFactory sinks)
    {
        var request = ExportRequest.For(new ExportParameters(ExportOrder.CreatedAtAscending, TransactionFields.All, null));
        using var process = Process.GetCurrentProcess();
        TimeSpan cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        ExportResult result = await ExportEngine.RunAsync(request, ledger.AsSource(), sinks);
        double seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        await sinks.Create(request.Export.Id).DeleteAllAsync(default);
        return (seconds, cpu, result.Result.Bytes);
    }
}

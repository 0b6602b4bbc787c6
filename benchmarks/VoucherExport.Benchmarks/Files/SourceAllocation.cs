using System.Diagnostics;
using System.Globalization;
using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Benchmarks.Files;

/// <summary>
/// Allocation and time per row of the file sources (<c>-- --sources [--rows N]</c>): the demo ledger as JSON Lines and as
/// CSV (an export of it read back), in memory, read to the end on one thread (allocation counted on that thread with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/>) and on all cores (counted process-wide). The rows themselves
/// (object, strings, details) are what a source must allocate; the rest is what sharing strings can save.
/// </summary>
internal static class SourceAllocation
{
    public static async Task<int> RunAsync(int rows)
    {
        var ledger = new DemoLedger(rows, 42);
        using var jsonLines = new MemoryStream();
        ledger.WriteJsonLines(jsonLines);
        byte[] json = jsonLines.ToArray();
        byte[] csv = await CsvOfAsync(ledger);
        Console.WriteLine($"# sources: {rows:N0} demo rows, {json.Length / (double)rows:F0} B of JSON Lines and {csv.Length / (double)rows:F0} B of CSV a row, {Environment.ProcessorCount} cores");
        Console.WriteLine("| source | threads | allocated B/row | µs/row (CPU) |");
        Console.WriteLine("|---|--:|--:|--:|");
        foreach ((string name, Func<ITransactionSource> open) in new (string, Func<ITransactionSource>)[]
        {
            ("JSON Lines", () => new JsonLinesTransactionSource(_ => ValueTask.FromResult<Stream>(new MemoryStream(json)), "ledger.jsonl")),
            ("CSV", () => new CsvTransactionSource(_ => ValueTask.FromResult<Stream>(new MemoryStream(csv)), "ledger.csv")),
        })
        {
            foreach (int threads in new[] { 1, Environment.ProcessorCount })
            {
                // The first read warms up (JIT, pools); the best of three counts.
                await MeasureAsync(open(), threads, rows);
                var runs = new List<(double Bytes, double Micros)>();
                for (int i = 0; i < 3; i++)
                {
                    runs.Add(await MeasureAsync(open(), threads, rows));
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {threads} | {runs.Min(r => r.Bytes):F0} | {runs.Min(r => r.Micros):F2} |"));
            }
        }

        return 0;
    }

    private static async Task<(double Bytes, double Micros)> MeasureAsync(ITransactionSource source, int threads, int rows)
    {
        var query = new TransactionQuery(null, ExportOrder.CreatedAtAscending, DateTimeOffset.UnixEpoch) { Parallelism = threads };
        GC.Collect();
        long before = threads == 1 ? GC.GetAllocatedBytesForCurrentThread() : GC.GetTotalAllocatedBytes(precise: true);
        using var self = Process.GetCurrentProcess();
        TimeSpan cpu = self.TotalProcessorTime;
        long read = 0;
        await foreach (ReadOnlyMemory<VoucherTransaction> batch in source.ReadAsync(query, CancellationToken.None))
        {
            read += batch.Length;
        }

        long after = threads == 1 ? GC.GetAllocatedBytesForCurrentThread() : GC.GetTotalAllocatedBytes(precise: true);
        self.Refresh();
        if (read != rows)
        {
            throw new InvalidOperationException($"read {read} rows, expected {rows}");
        }

        return ((after - before) / (double)rows, (self.TotalProcessorTime - cpu).TotalMicroseconds / rows);
    }

    private static async Task<byte[]> CsvOfAsync(DemoLedger ledger)
    {
        var sinks = new InMemoryChunkSinkFactory();
        var request = ExportRequest.For(new ExportParameters(ExportOrder.CreatedAtAscending, BenchmarkData.Fields, null))
            with { Chunks = new ChunkLimits { MaxChunkBytes = long.MaxValue / 2 } };
        await ExportEngine.RunAsync(request, ledger.AsSource(), sinks);
        return sinks.Find(request.Export.Id)!.Committed.Single(c => c.Key.StartsWith("part-", StringComparison.Ordinal)).Value;
    }
}

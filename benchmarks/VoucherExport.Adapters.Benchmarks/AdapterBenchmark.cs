using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;
using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.PostgreSql;
using VoucherExport.Transactions;

namespace VoucherExport.Adapters.Benchmarks;

/// <summary>
/// PostgreSQL's own <c>COPY (SELECT … ORDER BY created_at, id) TO STDOUT WITH (FORMAT csv)</c> through psql, beside
/// the engine exporting the same ordered rows from the table to chunks on disk, serial and partitioned.
/// </summary>
internal static class AdapterBenchmark
{
    private const string Columns =
        "t.id, t.type, t.source_id, t.reason, t.balance, t.amount, t.created_at, t.voucher_id, t.campaign_id, t.details, t.related_transaction_id, t.source";

    public static async Task<int> RunAsync(string[] args)
    {
        long rows = Option(args, "--rows", 1_000_000);
        int partitions = (int)Option(args, "--partitions", 2);
        int runs = (int)Option(args, "--runs", 3);
        bool s3 = args.Contains("--s3");
        string? connectionString = Environment.GetEnvironmentVariable("VX_POSTGRES");
        if (string.IsNullOrEmpty(connectionString))
        {
            Console.Error.WriteLine("VX_POSTGRES is not set; run: eval \"$(scripts/start-postgres)\"");
            return 2;
        }

        await using NpgsqlDataSource dataSource = NpgsqlDataSource.Create(connectionString);
        var ledger = new PostgresLedgerOptions { Schema = "vx_bench" };
        await EnsureLoadedAsync(dataSource, ledger, rows);
        string work = Path.Combine(Path.GetTempPath(), "vx-adapters-bench");
        var context = new BenchContext(dataSource, connectionString, ledger, rows, runs, work);

        var results = new List<Measurement> { await PsqlCopyAsync(context) };
        results.Add(await ExportToDiskAsync(context, 1));
        results.Add(await ExportToDiskAsync(context, partitions));
        foreach (int p in s3 ? new[] { 1, partitions } : [])
        {
            if (await S3Case.RunAsync(context, p) is { } s3Result)
            {
                results.Add(s3Result);
            }
        }

        Report(context, results, await ServerVersionAsync(dataSource));
        return 0;
    }

    private static long Option(string[] args, string name, long fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? long.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static async Task EnsureLoadedAsync(NpgsqlDataSource dataSource, PostgresLedgerOptions ledger, long rows)
    {
        await PostgresLedgerSchema.EnsureCreatedAsync(dataSource, ledger);
        await using (var count = dataSource.CreateCommand("SELECT count(*) FROM vx_bench.voucher_transactions"))
        {
            if ((long)(await count.ExecuteScalarAsync())! == rows)
            {
                Console.Error.WriteLine($"reusing vx_bench.voucher_transactions ({rows:N0} rows)");
                return;
            }
        }

        await using (var truncate = dataSource.CreateCommand("TRUNCATE vx_bench.voucher_transactions"))
        {
            await truncate.ExecuteNonQueryAsync();
        }

        var watch = Stopwatch.StartNew();
        await PostgresLedgerLoader.LoadAsync(dataSource, new DemoLedger(rows).AsSource(), ledger);
        await using (var vacuum = dataSource.CreateCommand("VACUUM ANALYZE vx_bench.voucher_transactions"))
        {
            await vacuum.ExecuteNonQueryAsync();
        }

        Console.Error.WriteLine($"loaded {rows:N0} demo rows with binary COPY in {watch.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task<Measurement> PsqlCopyAsync(BenchContext context)
    {
        var builder = new NpgsqlConnectionStringBuilder(context.ConnectionString);
        string sql = $"COPY (SELECT {Columns} FROM vx_bench.voucher_transactions AS t ORDER BY t.created_at, t.id) TO STDOUT WITH (FORMAT csv)";
        long bytes = 0;
        TimeSpan best = TimeSpan.MaxValue;
        for (int run = 0; run < context.Runs; run++)
        {
            var start = new ProcessStartInfo("psql")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
                ArgumentList = { "-X", "-q", "-h", builder.Host!, "-p", builder.Port.ToString(CultureInfo.InvariantCulture), "-U", builder.Username!, "-d", builder.Database!, "-c", sql },
            };
            start.Environment["PGPASSWORD"] = builder.Password;
            var watch = Stopwatch.StartNew();
            using var process = Process.Start(start)!;
            bytes = await DrainAsync(process.StandardOutput.BaseStream);
            await process.WaitForExitAsync();
            watch.Stop();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"psql exited with {process.ExitCode}");
            }

            best = watch.Elapsed < best ? watch.Elapsed : best;
            Console.Error.WriteLine($"psql COPY csv: {watch.Elapsed.TotalSeconds:F2} s, {bytes:N0} bytes");
        }

        return new Measurement("psql `COPY (SELECT … ORDER BY created_at, id) TO STDOUT (FORMAT csv)` → /dev/null", context.Rows, bytes, best);
    }

    // Reads psql's output as /dev/null would: counted, then dropped.
    private static async Task<long> DrainAsync(Stream output)
    {
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await output.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        return total;
    }

    private static Task<Measurement> ExportToDiskAsync(BenchContext context, int partitions) =>
        ExportAsync(
            context,
            partitions,
            partitions == 1 ? "PostgreSQL → chunks on disk, serial" : $"PostgreSQL → chunks on disk, {partitions} partitions",
            () =>
            {
                if (Directory.Exists(context.WorkDirectory))
                {
                    Directory.Delete(context.WorkDirectory, recursive: true);
                }

                Directory.CreateDirectory(context.WorkDirectory);
                return new FileSystemChunkSinkFactory(context.WorkDirectory);
            });

    /// <summary>Exports the whole table, oldest first, all 12 fields, <see cref="BenchContext.Runs"/> times; keeps the best.</summary>
    internal static async Task<Measurement> ExportAsync(BenchContext context, int partitions, string name, Func<IChunkSinkFactory> sinks)
    {
        var source = new PostgresTransactionSource(context.DataSource, context.Ledger with { Partitions = partitions });
        ExportParameters parameters = ExportParametersParser.Parse(System.Text.Encoding.UTF8.GetBytes(
            """{"order":"created_at","fields":["id","type","source_id","reason","balance","amount","created_at","voucher_id","campaign_id","details","related_transaction_id","source"]}"""));
        long bytes = 0;
        TimeSpan best = TimeSpan.MaxValue;
        for (int run = 0; run < context.Runs; run++)
        {
            IChunkSinkFactory factory = sinks();
            var request = ExportRequest.For(parameters);
            var watch = Stopwatch.StartNew();
            ExportResult result = await ExportEngine.RunAsync(request, source, factory);
            watch.Stop();
            if (result.Result.Rows != context.Rows)
            {
                throw new InvalidOperationException($"exported {result.Result.Rows} rows, expected {context.Rows}");
            }

            bytes = result.Result.Bytes;
            best = watch.Elapsed < best ? watch.Elapsed : best;
            Console.Error.WriteLine($"{name}: {watch.Elapsed.TotalSeconds:F2} s, {bytes:N0} bytes in {result.Result.Chunks.Count} chunks");
            await factory.Create(request.Export.Id).DeleteAllAsync(default);
        }

        return new Measurement(name, context.Rows, bytes, best);
    }

    private static async Task<string> ServerVersionAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SHOW server_version");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static void Report(BenchContext context, List<Measurement> results, string serverVersion)
    {
        double copy = results[0].RowsPerSecond;
        string spin = Environment.GetEnvironmentVariable("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit") ?? "(default)";
        Console.WriteLine($"# Adapter benchmark, {DateTime.UtcNow:yyyy-MM-dd}");
        Console.WriteLine();
        Console.WriteLine($"{context.Rows:N0} demo-ledger rows, all 12 fields, order `created_at` (oldest first), best of {context.Runs} runs.");
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, PostgreSQL {serverVersion} on 127.0.0.1 (same machine).");
        Console.WriteLine($"DOTNET_ThreadPool_UnfairSemaphoreSpinLimit={spin}; GC: workstation, non-concurrent.");
        Console.WriteLine();
        Console.WriteLine("| case | rows/s | MB/s | time | × psql COPY |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (Measurement m in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {m.Case} | {m.RowsPerSecond:N0} | {m.Bytes / 1e6 / m.Best.TotalSeconds:F1} | {m.Best.TotalSeconds:F2} s | {m.RowsPerSecond / copy:F2} |"));
        }
    }
}

using System.Globalization;
using BenchmarkDotNet.Running;
using VoucherExport.Benchmarks;
using VoucherExport.Benchmarks.Files;
using VoucherExport.Benchmarks.Scale;

// -- --quick [--rows N] [--rounds N] [--only NAME] [--duckdb-rows N | --no-duckdb]
//                                     the quick comparison, the registry path against RunAsync, then the file-to-chunks
//                                     one against DuckDB (run first, printed last); last line the summary
// -- --sources [--rows N]             allocation and CPU time per row of the JSON Lines and CSV sources
// -- --vs-duckdb N [--repeats R]      the file-to-chunks comparison against DuckDB at 1M and N rows, both orders
// -- --check [--rows N]               only the byte-for-byte check of every case against the engine
// -- --scale N                        rows/s and peak working set at 1M and N rows, both orders
// -- --kill-resume N [--kill-every S] [--lease S] [--chunk-mib M] [--parameters JSON] [--ledger-file F.jsonl]
//                                     an N-row PostgreSQL -> S3 export through `voucher-export serve`, killed every S s
//                                     (default 20) and restarted, against the same export uninterrupted (scripts/measure-resume)
// anything else                       BenchmarkDotNet (e.g. --filter '*' , --list flat)
if (args.Contains(FileExportChild.Flag))
{
    return await FileExportChild.RunAsync(args);
}

if (args.Contains("--quick"))
{
    int only = Array.IndexOf(args, "--only");
    FileComparison.Figures? files = null;
    if (!args.Contains("--no-duckdb"))
    {
        long duckRows = Option("--duckdb-rows", (int)FileComparison.QuickRows);
        Console.WriteLine($"# file to chunks against DuckDB: {duckRows:N0} rows, each side in its own process");
        files = await FileComparison.MeasureAsync(duckRows, repeats: 1);
    }

    return QuickRun.Run(
        Option("--rows", QuickRun.DefaultRows), Option("--rounds", QuickRun.DefaultRounds), only >= 0 ? args[only + 1] : null, files);
}

if (args.Contains("--sources"))
{
    return await SourceAllocation.RunAsync(Option("--rows", 100_000));
}

int versus = Array.IndexOf(args, "--vs-duckdb");
if (versus >= 0)
{
    return await FileComparison.RunAsync(long.Parse(args[versus + 1], CultureInfo.InvariantCulture), Option("--repeats", 3));
}

if (args.Contains("--check"))
{
    var data = BenchmarkData.Create(Option("--rows", QuickRun.DefaultRows));
    byte[] reference = OutputCheck.Reference(data);
    int different = 0;
    foreach (var exportCase in VoucherExport.Benchmarks.Peers.ExportCase.All(Environment.ProcessorCount))
    {
        string? difference = OutputCheck.Compare(exportCase, data, reference);
        different += difference is null ? 0 : 1;
        Console.WriteLine($"{exportCase.Name}: {difference ?? "same bytes"}");
    }

    return different == 0 ? 0 : 1;
}

int killResume = Array.IndexOf(args, "--kill-resume");
if (killResume >= 0)
{
    int parameters = Array.IndexOf(args, "--parameters");
    int ledgerFile = Array.IndexOf(args, "--ledger-file");
    return await VoucherExport.Benchmarks.Resume.KillResumeRun.RunAsync(
        long.Parse(args[killResume + 1], CultureInfo.InvariantCulture),
        TimeSpan.FromSeconds(Option("--kill-every", 20)),
        Option("--chunk-mib", 8) * 1024L * 1024,
        TimeSpan.FromSeconds(Option("--lease", 4)),
        parameters >= 0 ? args[parameters + 1] : """{"order":"created_at"}""",
        VoucherExport.Testing.ServerProcess.DefaultCliDll(),
        ledgerFile >= 0 ? args[ledgerFile + 1] : null);
}

int scale = Array.IndexOf(args, "--scale");
if (scale >= 0)
{
    return await ScaleRun.RunAsync(long.Parse(args[scale + 1], CultureInfo.InvariantCulture));
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

int Option(string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

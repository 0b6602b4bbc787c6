using System.Diagnostics;
using System.Globalization;
using VoucherExport.LoadTest;
using VoucherExport.Testing;

// dotnet run -c Release --project benchmarks/VoucherExport.LoadTest -- --clients 32 --duration 60 --rows 100000
if (args is ["--help" or "-h"])
{
    Console.WriteLine("""
        Load test: starts `voucher-export serve` on 127.0.0.1 (a free port, the demo ledger) and drives it with many clients.
          --clients N                  concurrent clients (32)
          --duration S                 seconds to start new iterations (60); each client finishes the one it is in
          --warmup S                   seconds at the start left out of rates and latencies (5)
          --iterations N               stop each client after N iterations (no cap)
          --rows N                     demo ledger rows (100000)
          --seed N                     seed of the request mix (42)
          --max-concurrent-exports N   the server's Exports:MaxConcurrent (2)
          --max-chunk-rows N           the server's chunk row limit (2000)
          --templates N                distinct exports, expected CSV computed up front (48)
          --poll-ms N                  client poll interval (100)
          --cancel-percent N           iterations that delete right after creating (10)
          --instances N                run the service as deployed instead: the demo ledger loaded into PostgreSQL
                                       (VX_POSTGRES), N serve processes on one PostgreSQL registry and one S3 bucket
                                       (VX_S3_*; else one folder), each request to the next instance in turn
          --kill-after S               with --instances 2+: SIGKILL the last instance after S seconds, take it out of
                                       the rotation, and time how long the exports running then take to end elsewhere
          --lease-s S                  the instances' Exports:LeaseDuration in seconds (the time a dead instance's
                                       exports wait for takeover; heartbeat a third of it)
          --cli PATH                   voucher-export.dll to run (the one built beside this project)
        Exit code 0 when there were no errors, 1 otherwise, 2 on bad options.
        """);
    return 0;
}

LoadOptions options;
string cli = ServerProcess.DefaultCliDll();
try
{
    var rest = new List<string>(args);
    int at = rest.IndexOf("--cli");
    if (at >= 0 && at + 1 < rest.Count)
    {
        cli = rest[at + 1];
        rest.RemoveRange(at, 2);
    }

    options = LoadOptions.Parse(rest);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (options.Instances is not null)
{
    return await RunServiceAsync(cli, options);
}

var prepare = Stopwatch.StartNew();
IReadOnlyList<ExportTemplate> templates = await TemplateCatalogue.BuildAsync(options);
Console.Error.WriteLine(Describe(templates, prepare));

await using var server = await ServerProcess.StartAsync(
    cli,
    ["--data", "exports", "--demo-rows", options.Rows.ToString(CultureInfo.InvariantCulture), "--max-chunk-rows", options.MaxChunkRows.ToString(CultureInfo.InvariantCulture)],
    new Dictionary<string, string>
    {
        ["Exports__MaxConcurrent"] = options.MaxConcurrentExports.ToString(CultureInfo.InvariantCulture),
        ["Ledger__DemoSeed"] = options.LedgerSeed.ToString(CultureInfo.InvariantCulture),
    },
    TimeSpan.FromMinutes(2));
long? startPeak = server.PeakWorkingSetBytes();
Console.Error.WriteLine($"server pid {server.ProcessId} at {server.Address}; running {options.ToCommandLine()}");
LoadResult result = await LoadDriver.RunAsync(server.Address, options, templates);
long? peak = server.PeakWorkingSetBytes();
Console.Write(LoadReport.Format(result, peak, startPeak, server.ErrorLines));
if (result.Errors > 0 || server.ErrorLines > 0)
{
    Console.Error.WriteLine("Server's last lines:\n" + string.Join('\n', server.LastLines));
    return 1;
}

return 0;

static string Describe(IReadOnlyList<ExportTemplate> templates, Stopwatch prepare) =>
    $"{templates.Count} templates ({string.Join(", ", templates.GroupBy(t => t.Kind).Select(g => $"{g.Count()} {g.Key}"))}; " +
    $"{templates.Sum(t => t.Expected.Rows):N0} rows, {templates.Sum(t => (long)t.Expected.Whole.Length) / 1048576.0:N1} MiB expected) in {prepare.Elapsed.TotalSeconds:0.0} s";

// The service as deployed: N instances on one PostgreSQL registry and ledger and one bucket; the report adds each
// instance's peak memory.
static async Task<int> RunServiceAsync(string cli, LoadOptions options)
{
    var prepare = Stopwatch.StartNew();
    await using ServiceSetup service = await ServiceSetup.CreateAsync(options);
    IReadOnlyList<ExportTemplate> templates = await TemplateCatalogue.BuildAsync(options, service.Source, service.Vouchers);
    Console.Error.WriteLine(Describe(templates, prepare) + $"; ledger in PostgreSQL schema {service.Ledger.Schema}, exports in {ServiceSetup.Storage}");
    await service.StartAsync(cli, options);
    long?[] startPeaks = [.. service.Instances.Select(i => i.PeakWorkingSetBytes())];
    Console.Error.WriteLine($"{service.Instances.Count} instances at {string.Join(", ", service.Instances.Select(i => i.Address))}; running {options.ToCommandLine()}");
    ServerProcess last = service.Instances[^1];
    KillPlan? kill = options.KillAfter is { } after ? new KillPlan(after, service.Instances.Count - 1, last.KillAsync, () => service.HeldByAsync(last)) : null;
    LoadResult result = await LoadDriver.RunAsync([.. service.Instances.Select(i => i.Address)], options, templates, kill);
    long?[] peaks = [.. service.Instances.Select(i => i.PeakWorkingSetBytes())];
    int errorLines = service.Instances.Sum(i => i.ErrorLines);
    Console.Write(LoadReport.Format(result, peaks.Max(), startPeaks.Max(), errorLines));
    for (int i = 0; i < peaks.Length; i++)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"INSTANCE {i + 1} peak_rss_mib={(peaks[i] ?? 0) / 1048576.0:0.0} start_rss_mib={(startPeaks[i] ?? 0) / 1048576.0:0.0} error_lines={service.Instances[i].ErrorLines}"));
    }

    if (result.Errors > 0 || errorLines > 0)
    {
        foreach (ServerProcess instance in service.Instances)
        {
            Console.Error.WriteLine($"Instance {instance.Address}'s last lines:\n" + string.Join('\n', instance.LastLines));
        }

        return 1;
    }

    return 0;
}

using VoucherExport.LoadTest;
using VoucherExport.Server.Tests.Support;

namespace VoucherExport.Server.Tests;

/// <summary>
/// The load test's client loop (benchmarks/VoucherExport.LoadTest) against a real server, briefly, so the driver cannot
/// rot: a few clients, a fixed number of iterations each, every finished export's bytes checked against the engine.
/// </summary>
public class LoadSmokeTests
{
    private static readonly LoadOptions Smoke = new()
    {
        Clients = 4,
        IterationsPerClient = 3,
        Duration = TimeSpan.FromMinutes(1),
        Warmup = TimeSpan.Zero,
        Rows = 2000,
        MaxConcurrentExports = 2,
        MaxChunkRows = 100,
        Templates = 8,
        Seed = 7,
        CancelPercent = 20,
        PollInterval = TimeSpan.FromMilliseconds(5),
        MonitorInterval = TimeSpan.FromMilliseconds(5),
        AppId = ServerHarness.AppA,
        AppToken = ServerHarness.TokenA,
    };

    [Fact]
    public async Task AFewClientsCreatePollListDownloadAndDeleteWithoutOneError()
    {
        LoadOptions options = Smoke;
        IReadOnlyList<ExportTemplate> templates = await TemplateCatalogue.BuildAsync(options);
        await using var server = await StartAsync();

        LoadResult result = await LoadDriver.RunAsync(server.Address, options, templates);

        Assert.True(result.Errors == 0, string.Join('\n', result.FirstErrors));
        Assert.Equal(12, result.ExportsCreated);
        Assert.Equal(result.ExportsCreated, result.ExportsDone + result.ExportsCancelled);
        Assert.True(result.ExportsDone > 0);
        Assert.True(result.BytesVerified > 0);
        Assert.True(result.RowsVerified > 0);
        Assert.InRange(result.MaxInProgress, 0, options.MaxConcurrentExports);
        Assert.Contains(result.Operations, o => o.Operation == "download" && o.Requests == result.ExportsDone);
        Assert.EndsWith($"bound=2 max_scheduled={result.MaxScheduled}", LoadReport.SummaryLine(result, null), StringComparison.Ordinal);

        // Every export was deleted: the server is left as it was found.
        var (_, list) = await server.GetAsync("/v1/exports?limit=100");
        Assert.Equal(0, list.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ADownloadThatDiffersByOneByteIsAnError()
    {
        LoadOptions options = Smoke with { Clients = 2, IterationsPerClient = 1, CancelPercent = 0 };
        IReadOnlyList<ExportTemplate> templates = await TemplateCatalogue.BuildAsync(options);

        // The checker, not the server, is under test: expect one byte that the server will not send.
        ExportTemplate[] tampered = [.. templates.Select(t => t with { Expected = t.Expected with { Whole = Flip(t.Expected.Whole) } })];
        await using var server = await StartAsync();

        LoadResult result = await LoadDriver.RunAsync(server.Address, options, tampered);

        Assert.Equal(2, result.Errors);
        Assert.Equal(0, result.ExportsDone);
        Assert.Equal(0, result.BytesVerified);
        Assert.All(result.FirstErrors, e => Assert.StartsWith("download: ", e, StringComparison.Ordinal));
        Assert.All(result.FirstErrors, e => Assert.Contains("first difference at byte", e, StringComparison.Ordinal));
    }

    private static byte[] Flip(byte[] bytes)
    {
        byte[] copy = [.. bytes];
        copy[^1] ^= 1;
        return copy;
    }

    private static Task<ServerHarness> StartAsync() => ServerHarness.StartAsync(new Dictionary<string, string?>
    {
        ["Ledger:DemoRows"] = "2000",
        ["Exports:MaxConcurrent"] = "2",
        ["Exports:MaxChunkRows"] = "100",
    });
}

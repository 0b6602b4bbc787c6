using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Server.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests.Health;

/// <summary>The health endpoints with the in-process store and the file sink: the data folder, and a registry that stops moving.</summary>
public class HealthTests
{
    [Fact]
    public async Task LiveAndReadyAnswerAndTheOldHealthStaysAsItWas()
    {
        await using var server = await ServerHarness.StartAsync();
        Assert.Equal("""{"status":"ok"}""", await server.Client.GetStringAsync("/health"));
        JsonElement live = JsonDocument.Parse(await server.Client.GetStringAsync("/health/live")).RootElement;
        Assert.Equal(("Healthy", 0), (live.GetProperty("status").GetString(), live.GetProperty("checks").GetArrayLength()));
        JsonElement ready = JsonDocument.Parse(await server.Client.GetStringAsync("/health/ready")).RootElement;
        Assert.Equal(["chunk-store", "data-folder", "registry"], ready.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task AnUnwritableDataFolderMakesTheServerUnreadyUntilItIsBack()
    {
        await using var server = await ServerHarness.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health/ready")).StatusCode);

        // A file where the folder should be: nothing can be written there (even by root).
        Directory.Delete(server.DataFolder, recursive: true);
        await File.WriteAllTextAsync(server.DataFolder, "not a folder");
        using (HttpResponseMessage down = await server.Client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            var checks = Checks(JsonDocument.Parse(await down.Content.ReadAsStringAsync()).RootElement);
            Assert.StartsWith($"{server.DataFolder} is not writable: ", checks["data-folder"].Description, StringComparison.Ordinal);
            Assert.Equal("Unhealthy", checks["chunk-store"].Status);
            Assert.Equal("Healthy", checks["registry"].Status);
        }

        File.Delete(server.DataFolder);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health/ready")).StatusCode);
        Assert.Empty(Directory.EnumerateFileSystemEntries(server.DataFolder));
    }

    [Fact]
    public async Task AnExportWhoseWorkerDiedAndIsNotTakenOverMakesTheRegistryStuck()
    {
        var ledger = new DemoLedger(300);
        var source = new GatedSource([.. ledger.Transactions()]);
        await using var server = await ServerHarness.StartAsync(
            new Dictionary<string, string?> { ["Exports:MaxConcurrent"] = "1", ["Health:StuckAfter"] = "00:02:00" },
            source, new InMemoryVoucherDirectory(ledger.Vouchers));

        // The only worker is held at the gate; an export claimed by a worker that then died waits for it.
        string running = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""");
        await source.FirstBatchOut;
        var store = server.Services.GetRequiredService<IExportStore>();
        var orphan = new ExportJob(ServerHarness.AppA, new ExportObject
        {
            Id = ExportIds.NewId(),
            CreatedAt = server.Clock.GetUtcNow(),
            Parameters = ExportParametersParser.Parse(JsonDocument.Parse("""{"order":"created_at"}""").RootElement),
        }, CsvFormat.Default, ChunkLimits.Default);
        await store.AddAsync(orphan, default);
        ExportClaim dead = (await store.TryClaimAsync("dead-node/0", server.Clock.GetUtcNow(), TimeSpan.FromSeconds(30), default))!;
        Assert.Equal(orphan.Export.Id, dead.Job.Export.Id);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health/ready")).StatusCode);

        server.Clock.Advance(TimeSpan.FromMinutes(3));
        using (HttpResponseMessage stuck = await server.Client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, stuck.StatusCode);
            var registry = Checks(JsonDocument.Parse(await stuck.Content.ReadAsStringAsync()).RootElement)["registry"];
            Assert.StartsWith("registry stuck: ", registry.Description, StringComparison.Ordinal);
            Assert.Contains("lost their worker and none was taken over for 2.5 min", registry.Description, StringComparison.Ordinal);
        }

        // The worker comes free, takes the orphan over and finishes it: ready again.
        source.Open();
        await server.Registry.WaitAsync(ServerHarness.AppA, running);
        Assert.Equal(ExportStatus.Done, (await server.Registry.WaitAsync(ServerHarness.AppA, orphan.Export.Id))!.Status);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task JsonConsoleLogsAreOneSetting()
    {
        await using (var plain = await ServerHarness.StartAsync())
        {
            Assert.Equal("simple", plain.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
        }

        await using var json = await ServerHarness.StartAsync(new Dictionary<string, string?> { ["Logging:Console:FormatterName"] = "json" });
        Assert.Equal("json", json.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
        JsonConsoleFormatterOptions formatter = json.Services.GetRequiredService<IOptionsMonitor<JsonConsoleFormatterOptions>>().CurrentValue;
        Assert.True(formatter.IncludeScopes);
        Assert.True(formatter.UseUtcTimestamp);
    }

    private static Dictionary<string, (string Status, string Description)> Checks(JsonElement report) =>
        report.GetProperty("checks").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => (c.GetProperty("status").GetString()!, c.GetProperty("description").GetString() ?? ""), StringComparer.Ordinal);
}

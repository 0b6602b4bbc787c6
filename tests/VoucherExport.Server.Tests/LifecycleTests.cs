using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using VoucherExport.Demo;
using VoucherExport.Server.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests;

public class LifecycleTests
{
    private static readonly DemoLedger Ledger = new(300);

    [Fact]
    public async Task PollingSeesScheduledThenInProgressThenDone()
    {
        var source = new GatedSource([.. Ledger.Transactions()]);
        await using var server = await ServerHarness.StartAsync(
            new Dictionary<string, string?> { ["Exports:MaxConcurrent"] = "1" }, source, new InMemoryVoucherDirectory(Ledger.Vouchers));

        // A runs and holds the only worker at the gate, so B stays SCHEDULED until the test opens it.
        string a = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""");
        await source.FirstBatchOut;
        string b = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions","parameters":{"order":"created_at"}}""");

        JsonElement runningA = await GetAsync(server, a);
        Assert.Equal("IN_PROGRESS", runningA.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, runningA.GetProperty("result").ValueKind);
        Assert.True(runningA.TryGetProperty("progress", out JsonElement progress), runningA.ToString());
        Assert.Equal(["rows", "bytes", "chunks", "phase"], progress.EnumerateObject().Select(p => p.Name));

        // The gated source gives no order, so A is reading its rows into the sort: nothing written yet.
        Assert.Equal("reading", progress.GetProperty("phase").GetString());
        JsonElement waitingB = await GetAsync(server, b);
        Assert.Equal("SCHEDULED", waitingB.GetProperty("status").GetString());
        Assert.False(waitingB.TryGetProperty("progress", out _));

        source.Open();
        JsonElement doneA = await server.WaitFinalAsync(a);
        JsonElement doneB = await server.WaitFinalAsync(b);
        foreach (JsonElement done in new[] { doneA, doneB })
        {
            Assert.Equal("DONE", done.GetProperty("status").GetString());
            JsonElement result = done.GetProperty("result");
            Assert.Equal(300, result.GetProperty("rows").GetInt64());
            Assert.StartsWith($"{server.Address}v1/exports/{done.GetProperty("id").GetString()}?token=", result.GetProperty("url").GetString(), StringComparison.Ordinal);
            Assert.False(done.TryGetProperty("progress", out _));
        }
    }

    [Fact]
    public async Task DeleteCancelsARunningExportAndRemovesItsFiles()
    {
        var source = new GatedSource([.. Ledger.Transactions()]);
        await using var server = await ServerHarness.StartAsync(source: source);
        string running = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""");
        await source.FirstBatchOut;

        using var delete = ServerHarness.Request(HttpMethod.Delete, $"/v1/exports/{running}");
        var (response, body) = await server.SendAsync(delete);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(JsonValueKind.Undefined, body.ValueKind);
        Assert.False(Directory.Exists(Path.Combine(server.DataFolder, running)));
        var (again, error) = await server.GetAsync($"/v1/exports/{running}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("export", error.GetProperty("resource_type").GetString());
        source.Open();
    }

    [Fact]
    public async Task DeleteOfADoneExportRemovesItsFilesAndItsDownloads()
    {
        await using var server = await ServerHarness.StartAsync();
        string id = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""");
        JsonElement done = await server.WaitFinalAsync(id);
        string url = done.GetProperty("result").GetProperty("url").GetString()!;
        Assert.True(File.Exists(Path.Combine(server.DataFolder, id, "part-00001.csv")));

        var (response, _) = await server.SendAsync(ServerHarness.Request(HttpMethod.Delete, $"/v1/exports/{id}"));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(server.DataFolder, id)));
        using HttpResponseMessage download = await server.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, download.StatusCode);
        var (second, _) = await server.SendAsync(ServerHarness.Request(HttpMethod.Delete, $"/v1/exports/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
    }

    [Fact]
    public async Task EveryLogLineAboutAnExportCarriesItsIdInTheScope()
    {
        var logs = new CapturingLoggerProvider();
        await using (var server = await ServerHarness.StartAsync(logs: logs))
        {
            string id = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""");
            JsonElement done = await server.WaitFinalAsync(id);
            await server.DownloadAsync(done.GetProperty("result").GetProperty("url").GetString()!);
            await server.SendAsync(ServerHarness.Request(HttpMethod.Delete, $"/v1/exports/{id}"));
            await server.LogsSettledAsync();

            var ours = logs.Entries.Where(e => e.Category.StartsWith("VoucherExport.Server.", StringComparison.Ordinal)
                && e.Category != "VoucherExport.Server.VoucherExportServer").ToList();

            // The lifecycle lines are the registry's, one per event, naming the export and its application.
            var lifecycle = logs.Entries.Where(e => e.Category == typeof(VoucherExport.Registry.ExportRegistry).FullName).ToList();
            Assert.Single(lifecycle, e => e.Message == $"Export {id} created SCHEDULED for application {ServerHarness.AppA}");
            Assert.Single(lifecycle, e => e.Message.StartsWith($"Export {id} of {ServerHarness.AppA} claimed by ", StringComparison.Ordinal));
            Assert.Single(lifecycle, e => e.Message.StartsWith($"Export {id} of {ServerHarness.AppA} DONE: 600 rows, ", StringComparison.Ordinal));
            Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("DONE", StringComparison.Ordinal) && e.Category != typeof(VoucherExport.Registry.ExportRegistry).FullName);
            Assert.Contains(ours, e => e.Message.StartsWith("Download of", StringComparison.Ordinal));
            Assert.Contains(ours, e => e.Message.StartsWith("Export deleted", StringComparison.Ordinal));
            Assert.All(ours, e => Assert.Contains($"ExportId:{id}", e.Scopes));
            Assert.All(logs.Entries, e => Assert.DoesNotContain("token=", e.Message, StringComparison.Ordinal));
        }

        Assert.True(logs.Entries.Count > 4);
    }

    private static async Task<JsonElement> GetAsync(ServerHarness server, string id)
    {
        var (response, json) = await server.GetAsync($"/v1/exports/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return json;
    }
}

using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using VoucherExport.Server.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests;

public class ConfigurationTests
{
    internal static ServerOptions Read(params (string Key, string? Value)[] settings) => ServerOptions.FromConfiguration(
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build(),
        "/srv/voucher-export");

    [Fact]
    public void TheDefaultsAreTheDocumentedOnes()
    {
        ServerOptions options = Read();
        Assert.True(options.UsesDemoApplication);
        Assert.Equal("demo-token", options.Applications["demo-app"]);
        Assert.Equal("/srv/voucher-export/data/exports", options.DataFolder);
        Assert.Equal(100_000, options.Ledger.DemoRows);
        Assert.Equal(TimeSpan.FromMinutes(15), options.Downloads.TokenLifetime);
        Assert.Equal(TimeSpan.FromHours(24), options.IdempotencyRetention);
        Assert.Equal(64 * 1024, options.Limits.MaxBodyBytes);
    }

    [Fact]
    public void ConfiguredApplicationsReplaceTheDemoOne()
    {
        ServerOptions options = Read(("Applications:shop", "a-long-enough-token"));
        Assert.False(options.UsesDemoApplication);
        Assert.Equal(["shop"], options.Applications.Keys);
    }

    [Theory]
    [InlineData("Ledger:DemoRows", "many", "Ledger:DemoRows: 'many' is not a whole number")]
    [InlineData("Ledger:DemoRows", "-5", "Ledger:DemoRows: must be 0 or more")]
    [InlineData("Ledger:Path", "/no/such/ledger.jsonl", "Ledger:Path: no such file")]
    [InlineData("Ledger:Order", "amount", "Ledger:Order: must be created_at or -created_at")]
    [InlineData("Exports:MaxChunkRows", "0", "Exports:MaxChunkRows: must be at least 1")]
    [InlineData("Exports:MaxChunkBytes", "0", "Exports:MaxChunkBytes: must be at least 1")]
    [InlineData("Exports:MaxConcurrent", "0", "Exports:MaxConcurrent: 0 is outside 1..1024")]
    [InlineData("Limits:MaxInValues", "0", "Limits:MaxInValues: must be at least 1")]
    [InlineData("Limits:MaxBodyBytes", "1", "Limits:MaxBodyBytes: must be at least 2")]
    [InlineData("Downloads:Secret", "too-short", "Downloads:Secret: must be at least 32 bytes")]
    [InlineData("Downloads:TokenLifetime", "00:00:00", "Downloads:TokenLifetime: must be more than 0")]
    [InlineData("Downloads:TokenLifetime", "soon", "Downloads:TokenLifetime: 'soon' is not a time span")]
    [InlineData("Downloads:BaseUrl", "ftp://files.example", "Downloads:BaseUrl: must be an absolute http(s) URL")]
    [InlineData("Idempotency:Retention", "30.00:00:00", "Idempotency:Retention: must be more than 0 and at most 7.00:00:00")]
    [InlineData("Applications:shop", "short", "Applications:shop: the token must be at least 8 characters")]
    [InlineData("Exports:RetryAttempts", "0", "Exports:RetryAttempts: must be between 1 and 100, not 0")]
    [InlineData("Exports:RetryAttempts", "101", "Exports:RetryAttempts: must be between 1 and 100, not 101")]
    [InlineData("Exports:RetryAttempts", "three", "Exports:RetryAttempts: 'three' is not a whole number")]
    [InlineData("Exports:RetryDelay", "-00:00:01", "Exports:RetryDelay: must not be negative")]
    [InlineData("Exports:RetryDelay", "soon", "Exports:RetryDelay: 'soon' is not a time span")]
    [InlineData("Exports:RetryDelay", "00:01:00", "Exports:RetryMaxDelay: must be at least Exports:RetryDelay (00:01:00), not 00:00:30")]
    [InlineData("Exports:RetryMaxDelay", "00:00:01", "Exports:RetryMaxDelay: must be at least Exports:RetryDelay (00:00:02), not 00:00:01")]
    public void ABadSettingIsRefusedNamingTheKey(string key, string value, string message)
    {
        var e = Assert.Throws<ServerConfigurationException>(() => Read((key, value)));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoApplicationsMayNotShareAToken()
    {
        var e = Assert.Throws<ServerConfigurationException>(() => Read(("Applications:one", "same-token-123"), ("Applications:two", "same-token-123")));
        Assert.Contains("also another application's token", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheServerDoesNotStartOnABadSetting()
    {
        var builder = VoucherExportServer.CreateBuilder([], new VoucherExportHostOptions
        {
            Settings = new Dictionary<string, string?> { ["Ledger:Path"] = "/no/such/ledger.jsonl", ["urls"] = "http://127.0.0.1:0" },
        });
        var e = Assert.Throws<ServerConfigurationException>(() => VoucherExportServer.Build(builder));
        Assert.Equal("Ledger:Path", e.Key);
    }

    [Theory]
    [InlineData("http://0.0.0.0:5080")]
    [InlineData("http://*:5080")]
    [InlineData("http://127.0.0.1:5080;http://192.168.1.10:5080")]
    public void TheDemoApplicationIsRefusedBeyondLoopback(string urls)
    {
        var builder = VoucherExportServer.CreateBuilder([], new VoucherExportHostOptions
        {
            Settings = new Dictionary<string, string?> { ["urls"] = urls, ["Ledger:DemoRows"] = "10" },
        });
        var e = Assert.Throws<ServerConfigurationException>(() => VoucherExportServer.Build(builder));
        Assert.Equal("Applications", e.Key);
        Assert.Contains("loopback", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJsonLinesLedgerNamedInConfigurationIsServed()
    {
        string folder = Path.Combine(Path.GetTempPath(), "vx-server-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var ledger = new DemoLedger(500, seed: 7);
            using (var file = File.Create(Path.Combine(folder, "ledger.jsonl")))
            {
                ledger.WriteJsonLines(file);
            }

            using (var file = File.Create(Path.Combine(folder, "vouchers.jsonl")))
            {
                VoucherJsonLines.Write(file, ledger.Vouchers);
            }

            await using var server = await ServerHarness.StartAsync(new Dictionary<string, string?>
            {
                ["Ledger:Path"] = Path.Combine(folder, "ledger.jsonl"),
                ["Ledger:Vouchers"] = Path.Combine(folder, "vouchers.jsonl"),
                ["Ledger:Order"] = "created_at",
            });
            VoucherInfo card = ledger.Vouchers.First(v => v.Type == "LOYALTY_CARD");
            string id = await server.CreateAsync($"/v1/loyalties/{card.CampaignId}/members/{card.Code}/transactions/export", """{"parameters":{"fields":["id","amount","created_at"]}}""");
            JsonElement done = await server.WaitFinalAsync(id);
            byte[] csv = await server.DownloadAsync(done.GetProperty("result").GetProperty("url").GetString()!);

            var expected = Expected.Rows(ledger.Transactions(), t => t.VoucherId == card.Id, ["id", "amount", "created_at"]);
            Assert.NotEmpty(expected);
            Assert.Equal(expected, Expected.ParseCsv(csv).Rows);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task WithoutConfiguredApplicationsTheDemoApplicationIsAccepted()
    {
        await using var server = await ServerHarness.StartAsync(new Dictionary<string, string?>
        {
            [$"Applications:{ServerHarness.AppA}"] = null,
            [$"Applications:{ServerHarness.AppB}"] = null,
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/exports");
        request.Headers.Add("X-App-Id", "demo-app");
        request.Headers.Add("X-App-Token", "demo-token");
        var (response, _) = await server.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.GetAsync("/v1/exports")).Response.StatusCode);
    }

    [Fact]
    public async Task ABaseUrlStartsEveryDownloadUrl()
    {
        await using var server = await ServerHarness.StartAsync(new Dictionary<string, string?> { ["Downloads:BaseUrl"] = "https://exports.example.com/api/" });
        string id = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""");
        JsonElement result = (await server.WaitFinalAsync(id)).GetProperty("result");
        Assert.StartsWith($"https://exports.example.com/api/v1/exports/{id}?token=", result.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"https://exports.example.com/api/v1/exports/{id}/chunks/1?token=", result.GetProperty("chunks")[0].GetProperty("url").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ServersSharingASecretAcceptEachOthersTokensAndNoOthers()
    {
        var clock = new FakeTimeProvider(ServerHarness.Start);
        var shared = new DownloadOptions { Secret = new string('s', 32) };
        string token = new DownloadTokens(shared, clock).Mint("exp_AAAAAAAAAAAAAAAAAAAAAAAA", "shop");

        Assert.True(new DownloadTokens(shared, clock).TryVerify(token, "exp_AAAAAAAAAAAAAAAAAAAAAAAA", out string app, out _));
        Assert.Equal("shop", app);
        Assert.False(new DownloadTokens(new DownloadOptions { Secret = new string('t', 32) }, clock)
            .TryVerify(token, "exp_AAAAAAAAAAAAAAAAAAAAAAAA", out _, out string problem));
        Assert.Equal("the download token is not valid for this export", problem);

        // Generated secrets differ per start, so a restarted server refuses old URLs.
        Assert.False(new DownloadTokens(new DownloadOptions(), clock).TryVerify(
            new DownloadTokens(new DownloadOptions(), clock).Mint("exp_AAAAAAAAAAAAAAAAAAAAAAAA", "shop"), "exp_AAAAAAAAAAAAAAAAAAAAAAAA", out _, out _));
    }
}

using System.Net;
using System.Text.Json;
using VoucherExport.Demo;
using VoucherExport.Server.Tests.Support;

namespace VoucherExport.Server.Tests;

public class IdempotencyTests : IAsyncLifetime
{
    private const string Body = """{"exported_object":"voucher_transactions","parameters":{"order":"created_at"}}""";
    private ServerHarness _server = null!;

    public async Task InitializeAsync() => _server = await ServerHarness.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(HttpResponseMessage Response, JsonElement Json)> CreateAsync(string key, string body = Body, string appId = ServerHarness.AppA, string path = "/v1/exports")
    {
        using var request = ServerHarness.Request(HttpMethod.Post, path, body, appId);
        request.Headers.Add("Idempotency-Key", key);
        return await _server.SendAsync(request);
    }

    [Fact]
    public async Task TheSameKeyAndBodyGiveTheSameExportOnce()
    {
        var (first, created) = await CreateAsync("order-42");
        var (second, replayed) = await CreateAsync("order-42");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(created.ToString(), replayed.ToString());
        var (_, list) = await _server.GetAsync("/v1/exports");
        Assert.Equal(1, list.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ConcurrentRetriesWithOneKeyMakeOneExport()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => CreateAsync("burst")));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Response.StatusCode));
        Assert.Single(answers.Select(a => a.Json.GetProperty("id").GetString()).Distinct());
        var (_, list) = await _server.GetAsync("/v1/exports");
        Assert.Equal(1, list.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task TheSameKeyWithAnotherBodyOrPathIsA409AndCreatesNothing()
    {
        await CreateAsync("k1");
        var (otherBody, error) = await CreateAsync("k1", """{"exported_object":"voucher_transactions"}""");
        Assert.Equal(HttpStatusCode.Conflict, otherBody.StatusCode);
        Assert.Equal("idempotency_key_reused", error.GetProperty("key").GetString());
        Assert.Contains("k1", error.GetProperty("details").GetString(), StringComparison.Ordinal);

        string campaign = new Demo.DemoLedger(600).Vouchers[0].CampaignId!;
        var (otherPath, _) = await CreateAsync("k1", "{}", path: $"/v1/campaigns/{campaign}/transactions/export");
        Assert.Equal(HttpStatusCode.Conflict, otherPath.StatusCode);
        var (_, list) = await _server.GetAsync("/v1/exports");
        Assert.Equal(1, list.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task KeysBelongToOneApplication()
    {
        var (_, a) = await CreateAsync("shared", appId: ServerHarness.AppA);
        var (_, b) = await CreateAsync("shared", appId: ServerHarness.AppB);
        Assert.NotEqual(a.GetProperty("id").GetString(), b.GetProperty("id").GetString());
    }

    [Fact]
    public async Task AKeyIsForgottenAfter24Hours()
    {
        var (_, first) = await CreateAsync("daily");
        _server.Clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        var (_, same) = await CreateAsync("daily");
        Assert.Equal(first.GetProperty("id").GetString(), same.GetProperty("id").GetString());

        _server.Clock.Advance(TimeSpan.FromSeconds(1));
        var (response, fresh) = await CreateAsync("daily");
        Assert.False(response.Headers.Contains("Idempotent-Replayed"));
        Assert.NotEqual(first.GetProperty("id").GetString(), fresh.GetProperty("id").GetString());
    }

    [Fact]
    public async Task AFailedCreateIsNotRemembered()
    {
        var (bad, _) = await CreateAsync("retry-me", """{"exported_object":"nope"}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // Same key, corrected body: not a conflict, since the failure was not kept.
        var (good, _) = await CreateAsync("retry-me");
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
    }
}

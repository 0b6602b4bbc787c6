using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using VoucherExport.Demo;
using VoucherExport.Registry;
using VoucherExport.Server.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests;

/// <summary>
/// Voucherify's OAuth 2.0 flow (oauth.json): tokens from <c>POST /v1/oauth/token</c> used on the export routes by scope,
/// introspected and revoked; every bad input gets Voucherify's error, never a 500. Time moves only by the fake clock.
/// </summary>
public class OAuthTests : IAsyncLifetime
{
    private const string Secret = "an-oauth-test-secret-of-at-least-32-bytes!";
    private static readonly DemoLedger Ledger = new(600);
    private ServerHarness _server = null!;

    private static string Gift => Ledger.Vouchers.First(v => v.Type == "GIFT_VOUCHER").Code;

    private static VoucherInfo Card => Ledger.Vouchers.First(v => v.Type == "LOYALTY_CARD");

    public async Task InitializeAsync() => _server = await ServerHarness.StartAsync(new Dictionary<string, string?> { ["Downloads:Secret"] = Secret });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ATokenHasVoucherifysShapeAndWorksAloneOnTheExportRoutes()
    {
        var (response, json) = await RequestTokenAsync(_server, "grant_type=client_credentials&scope=api");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["access_token", "client_id", "expires_at", "expires_in", "scope", "token_type"], json.EnumerateObject().Select(p => p.Name));
        string token = json.GetProperty("access_token").GetString()!;
        Assert.StartsWith("vxo_", token, StringComparison.Ordinal);
        Assert.Equal(ServerHarness.AppA, json.GetProperty("client_id").GetString());
        Assert.Equal(ServerHarness.Start.ToUnixTimeSeconds() + 900, json.GetProperty("expires_at").GetInt64());
        Assert.Equal(900, json.GetProperty("expires_in").GetInt32());
        Assert.Equal("api", json.GetProperty("scope").GetString());
        Assert.Equal("Bearer", json.GetProperty("token_type").GetString());

        // The token alone names its application: the export it creates is app A's.
        var (created, export) = await SendAsync(HttpMethod.Post, $"/v1/vouchers/{Gift}/transactions/export", token, body: "{}");
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        string id = export.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await _server.GetAsync($"/v1/exports/{id}", ServerHarness.AppA)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.GetAsync($"/v1/exports/{id}", ServerHarness.AppB)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/v1/exports/{id}", token)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/v1/exports", token)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/v1/exports/{id}", token)).Response.StatusCode);
    }

    [Fact]
    public async Task TheSeedPagesCurlWithAnOAuthTokenBesideTheApiKeyIsAccepted()
    {
        string token = await TokenAsync(_server, "exports vouchers");

        // Authorization: Bearer <token> beside X-App-Id / X-App-Token <api-key>: the two credentials differ, as they do in Voucherify.
        using var request = ServerHarness.Request(HttpMethod.Post, $"/v1/vouchers/{Gift}/transactions/export", """{"parameters":{"order":"-created_at"}}""");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var (response, json) = await _server.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToString());
        Assert.Equal("SCHEDULED", json.GetProperty("status").GetString());
    }

    public static TheoryData<string, string, string, int> ScopeCases => new()
    {
        // scope, method, path, status
        { "api", "GET", "/v1/exports", 200 },
        { "exports", "GET", "/v1/exports", 200 },
        { "exports", "POST", "/v1/exports", 200 },
        { "exports", "POST", "/v1/vouchers/{gift}/transactions/export", 403 },
        { "vouchers", "POST", "/v1/vouchers/{gift}/transactions/export", 200 },
        { "vouchers", "GET", "/v1/exports", 403 },
        { "exports vouchers", "POST", "/v1/vouchers/{gift}/transactions/export", 200 },
        { "campaigns", "POST", "/v1/campaigns/{campaign}/transactions/export", 200 },
        { "exports", "POST", "/v1/campaigns/{campaign}/transactions/export", 403 },
        { "loyalties", "POST", "/v1/loyalties/members/{card}/transactions/export", 200 },
        { "loyalties", "POST", "/v1/loyalties/{campaign}/members/{card}/transactions/export", 200 },
        { "vouchers", "POST", "/v1/loyalties/members/{card}/transactions/export", 403 },
        { "orders customers", "GET", "/v1/exports", 403 },
    };

    [Theory]
    [MemberData(nameof(ScopeCases))]
    public async Task TheScopeDecidesWhichRoutesATokenOpens(string scope, string method, string path, int status)
    {
        string token = await TokenAsync(_server, scope);
        string url = path.Replace("{gift}", Gift, StringComparison.Ordinal).Replace("{card}", Card.Code, StringComparison.Ordinal)
            .Replace("{campaign}", Card.CampaignId, StringComparison.Ordinal);
        string? body = method == "POST" ? (url == "/v1/exports" ? """{"exported_object":"voucher_transactions"}""" : "{}") : null;
        var (response, json) = await SendAsync(new HttpMethod(method), url, token, body);
        Assert.True(status == (int)response.StatusCode, $"{scope} {method} {url}: {(int)response.StatusCode} {json}");
        if (status == 403)
        {
            AssertError(json, 403, "forbidden", $"scope '{scope}'");
        }
    }

    public static TheoryData<string, string?, int, string, string, string> BadTokenRequests => new()
    {
        // body, content type, status, key, message, details contain
        { "grant_type=password&scope=api", "application/x-www-form-urlencoded", 400, "invalid_grant_type", "Invalid grant_type", "not 'password'" },
        { "scope=api", "application/x-www-form-urlencoded", 400, "invalid_grant_type", "Invalid grant_type", "required" },
        { "grant_type=client_credentials&scope=vouchers,campaigns", "application/x-www-form-urlencoded", 400, "invalid_scope", "Invalid scope: vouchers,campaigns", "spaces, not commas" },
        { "grant_type=client_credentials&scope=everything", "application/x-www-form-urlencoded", 400, "invalid_scope", "Invalid scope: everything", "'everything' is not a scope" },
        { "grant_type=client_credentials", "application/x-www-form-urlencoded", 400, "invalid_scope", "Invalid scope", "required" },
        { "grant_type=client_credentials&scope=%20", "application/x-www-form-urlencoded", 400, "invalid_scope", "Invalid scope", "required" },
        { "grant_type=client_credentials&grant_type=client_credentials&scope=api", "application/x-www-form-urlencoded", 400, "invalid_payload", "Invalid payload", "grant_type: is given more than once" },
        { """{"grant_type":"client_credentials","scope":"api"}""", "application/json", 415, "unsupported_media_type", "Unsupported media type", "x-www-form-urlencoded" },
        { "grant_type=client_credentials&scope=api", null, 415, "unsupported_media_type", "Unsupported media type", "x-www-form-urlencoded" },
    };

    [Theory]
    [MemberData(nameof(BadTokenRequests))]
    public async Task BadTokenRequestsGetVoucherifysErrors(string body, string? contentType, int status, string key, string message, string details)
    {
        var (response, json) = await RequestTokenAsync(_server, body, contentType);
        Assert.Equal(status, (int)response.StatusCode);
        AssertError(json, status, key, details);
        Assert.Equal(message, json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task TheOAuthEndpointsTakeTheApiKeyOnly()
    {
        string token = await TokenAsync(_server, "api");
        foreach (string path in new[] { "/v1/oauth/token", "/v1/oauth/introspect", "/v1/oauth/token/revoke" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Form($"grant_type=client_credentials&scope=api&access_token={token}") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var (response, json) = await _server.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            AssertError(json, 401, "unauthorized", "");

            using var wrongKey = new HttpRequestMessage(HttpMethod.Post, path) { Content = Form("grant_type=client_credentials&scope=api") };
            wrongKey.Headers.Add("X-App-Id", ServerHarness.AppA);
            wrongKey.Headers.Add("X-App-Token", ServerHarness.TokenB);
            Assert.Equal(HttpStatusCode.Unauthorized, (await _server.SendAsync(wrongKey)).Response.StatusCode);
        }
    }

    [Fact]
    public async Task ATokenExpiresAfter900SecondsOnTheClock()
    {
        string token = await TokenAsync(_server, "exports");
        _server.Clock.Advance(TimeSpan.FromSeconds(899));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/v1/exports", token)).Response.StatusCode);
        var (_, live) = await PostFormAsync("/v1/oauth/introspect", $"access_token={token}");
        Assert.True(live.GetProperty("active").GetBoolean());
        Assert.Equal(1, live.GetProperty("expires_in").GetInt32());

        _server.Clock.Advance(TimeSpan.FromSeconds(1));
        var (response, json) = await SendAsync(HttpMethod.Get, "/v1/exports", token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertError(json, 401, "unauthorized", "expired at 2023-05-16T08:45:21.000Z");
        Assert.Equal("""{"active":false}""", (await PostFormAsync("/v1/oauth/introspect", $"access_token={token}")).Json.GetRawText());
        var (revoke, error) = await PostFormAsync("/v1/oauth/token/revoke", $"access_token={token}");
        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        AssertError(error, 404, "not_found", "active OAuth token");
    }

    [Fact]
    public async Task ARevokedTokenIsRefusedAndCannotBeRevokedTwice()
    {
        string token = await TokenAsync(_server, "exports");
        var (active, details) = await PostFormAsync("/v1/oauth/introspect", $"access_token={token}");
        Assert.Equal(HttpStatusCode.OK, active.StatusCode);
        Assert.Equal(["access_token", "client_id", "expires_at", "expires_in", "scope", "token_type", "active"], details.EnumerateObject().Select(p => p.Name));
        Assert.Equal(token, details.GetProperty("access_token").GetString());

        var (revoked, body) = await PostFormAsync("/v1/oauth/token/revoke", $"access_token={token}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.Equal(JsonValueKind.Undefined, body.ValueKind);

        var (response, json) = await SendAsync(HttpMethod.Get, "/v1/exports", token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertError(json, 401, "unauthorized", "revoked");
        Assert.False((await PostFormAsync("/v1/oauth/introspect", $"access_token={token}")).Json.GetProperty("active").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await PostFormAsync("/v1/oauth/token/revoke", $"access_token={token}")).Response.StatusCode);

        // Another token of the same application is untouched.
        string other = await TokenAsync(_server, "exports");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/v1/exports", other)).Response.StatusCode);
    }

    [Fact]
    public async Task ForgedAndTamperedTokensAre401()
    {
        string token = await TokenAsync(_server, "api");
        char last = token[^1];
        string[] forged =
        [
            token[..^1] + (last == 'A' ? 'B' : 'A'),                   // the MAC changed
            token[..10] + (token[10] == 'A' ? 'B' : 'A') + token[11..], // the payload changed (id, times)
            token[..^4],                                                // cut short
            "vxo_",
            "vxo_!!!!",
            "vxo_" + new string('A', 5000),
        ];

        // A token signed with another secret (another deployment) is no token of this one.
        await using (var elsewhere = await ServerHarness.StartAsync(new Dictionary<string, string?> { ["Downloads:Secret"] = "a-different-secret-of-at-least-32-bytes!!" }))
        {
            forged = [.. forged, await TokenAsync(elsewhere, "api")];
        }

        foreach (string bad in forged)
        {
            var (response, json) = await SendAsync(HttpMethod.Get, "/v1/exports", bad);
            Assert.True(HttpStatusCode.Unauthorized == response.StatusCode, $"{bad}: {(int)response.StatusCode}");
            AssertError(json, 401, "unauthorized", "not a valid OAuth token");
            Assert.Equal("""{"active":false}""", (await PostFormAsync("/v1/oauth/introspect", $"access_token={Uri.EscapeDataString(bad)}")).Json.GetRawText());
            Assert.Equal(HttpStatusCode.NotFound, (await PostFormAsync("/v1/oauth/token/revoke", $"access_token={Uri.EscapeDataString(bad)}")).Response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/v1/exports", token)).Response.StatusCode);
    }

    [Fact]
    public async Task AnotherApplicationsTokenOpensNothingOfThisOne()
    {
        string tokenOfB = await TokenAsync(_server, "api", ServerHarness.AppB);

        // Named as app A, by id or with A's key beside it: refused.
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/v1/exports"))
        {
            request.Headers.Add("X-App-Id", ServerHarness.AppA);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokenOfB);
            var (response, json) = await _server.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            AssertError(json, 401, "unauthorized", "another application");
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/v1/exports"))
        {
            request.Headers.Add("X-App-Token", ServerHarness.TokenA);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokenOfB);
            var (response, json) = await _server.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            AssertError(json, 401, "unauthorized", "X-App-Token is not the API key");
        }

        // App A can neither read nor revoke it; it keeps working for B.
        Assert.Equal("""{"active":false}""", (await PostFormAsync("/v1/oauth/introspect", $"access_token={tokenOfB}")).Json.GetRawText());
        Assert.Equal(HttpStatusCode.NotFound, (await PostFormAsync("/v1/oauth/token/revoke", $"access_token={tokenOfB}")).Response.StatusCode);
        Assert.True((await PostFormAsync("/v1/oauth/introspect", $"access_token={tokenOfB}", ServerHarness.AppB)).Json.GetProperty("active").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/v1/exports", tokenOfB)).Response.StatusCode);
    }

    [Fact]
    public async Task IntrospectAndRevokeNeedAnAccessToken()
    {
        foreach (string path in new[] { "/v1/oauth/introspect", "/v1/oauth/token/revoke" })
        {
            foreach (string body in new[] { "", "access_token=" })
            {
                var (response, json) = await PostFormAsync(path, body);
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                AssertError(json, 400, "missing_parameters", "access_token");
                Assert.Equal("Missing parameters", json.GetProperty("message").GetString());
            }
        }
    }

    [Fact]
    public async Task TokensWorkOnEveryInstanceAndARevocationIsSeenByAll()
    {
        // Two instances of one service: the same Downloads:Secret and one shared revocation store (PostgreSQL in production).
        var shared = new InMemoryOAuthRevocationStore();
        var settings = new Dictionary<string, string?> { ["Downloads:Secret"] = Secret };
        await using var one = await ServerHarness.StartAsync(settings, services: s => s.AddSingleton<IOAuthRevocationStore>(shared));
        await using var two = await ServerHarness.StartAsync(settings, services: s => s.AddSingleton<IOAuthRevocationStore>(shared));

        string token = await TokenAsync(one, "exports");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(two, HttpMethod.Get, "/v1/exports", token)).Response.StatusCode);
        Assert.True((await PostFormAsync(two, "/v1/oauth/introspect", $"access_token={token}")).Json.GetProperty("active").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await PostFormAsync(two, "/v1/oauth/token/revoke", $"access_token={token}")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(one, HttpMethod.Get, "/v1/exports", token)).Response.StatusCode);
        Assert.Equal(1, shared.Count);
    }

    [Fact]
    public async Task ATokenStopsWorkingWhenItsApplicationIsNoLongerConfigured()
    {
        string token = await TokenAsync(_server, "api", ServerHarness.AppB);

        // The same service restarted with app B removed from Applications (same secret, so the signature still holds).
        await using var restarted = await ServerHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Downloads:Secret"] = Secret,
            [$"Applications:{ServerHarness.AppB}"] = null,
        });
        var (response, json) = await SendAsync(restarted, HttpMethod.Get, "/v1/exports", token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        AssertError(json, 401, "unauthorized", "no longer configured");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(restarted, HttpMethod.Get, "/v1/exports", await TokenAsync(restarted, "api"))).Response.StatusCode);
    }

    private static void AssertError(JsonElement json, int code, string key, string detailsContain)
    {
        Assert.Equal(code, json.GetProperty("code").GetInt32());
        Assert.Equal(key, json.GetProperty("key").GetString());
        Assert.Contains(detailsContain, json.GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.Matches("^v-[0-9a-f]{18}$", json.GetProperty("request_id").GetString());
    }

    private static StringContent Form(string body, string? contentType = "application/x-www-form-urlencoded")
    {
        var content = new StringContent(body);
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    private static Task<(HttpResponseMessage Response, JsonElement Json)> RequestTokenAsync(
        ServerHarness server, string body, string? contentType = "application/x-www-form-urlencoded", string appId = ServerHarness.AppA)
    {
        var request = ServerHarness.Request(HttpMethod.Post, "/v1/oauth/token", null, appId);
        request.Content = Form(body, contentType);
        return server.SendAsync(request);
    }

    private static async Task<string> TokenAsync(ServerHarness server, string scope, string appId = ServerHarness.AppA)
    {
        var (response, json) = await RequestTokenAsync(server, $"grant_type=client_credentials&scope={Uri.EscapeDataString(scope)}", appId: appId);
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToString());
        return json.GetProperty("access_token").GetString()!;
    }

    private Task<(HttpResponseMessage Response, JsonElement Json)> PostFormAsync(string path, string body, string appId = ServerHarness.AppA) =>
        PostFormAsync(_server, path, body, appId);

    private static Task<(HttpResponseMessage Response, JsonElement Json)> PostFormAsync(ServerHarness server, string path, string body, string appId = ServerHarness.AppA)
    {
        var request = ServerHarness.Request(HttpMethod.Post, path, null, appId);
        request.Content = Form(body);
        return server.SendAsync(request);
    }

    private Task<(HttpResponseMessage Response, JsonElement Json)> SendAsync(HttpMethod method, string path, string token, string? body = null) =>
        SendAsync(_server, method, path, token, body);

    private static Task<(HttpResponseMessage Response, JsonElement Json)> SendAsync(ServerHarness server, HttpMethod method, string path, string token, string? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        return server.SendAsync(request);
    }
}

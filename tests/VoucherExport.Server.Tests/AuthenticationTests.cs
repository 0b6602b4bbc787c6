using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using VoucherExport.Server.Tests.Support;

namespace VoucherExport.Server.Tests;

public class AuthenticationTests : IAsyncLifetime
{
    private ServerHarness _server = null!;

    public async Task InitializeAsync() => _server = await ServerHarness.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string?, string?, string?> BadCredentials => new()
    {
        { "nothing", null, null, null },
        { "id without token", ServerHarness.AppA, null, null },
        { "wrong token", ServerHarness.AppA, "token-of-app-a-9999", null },
        { "another app's token", ServerHarness.AppA, ServerHarness.TokenB, null },
        { "unknown app", "app-z", ServerHarness.TokenA, null },
        { "bearer unknown", null, null, "Bearer not-a-token-at-all" },
        { "basic scheme", null, null, "Basic YXBwLWE6dG9rZW4=" },
        { "bearer disagrees with X-App-Token", ServerHarness.AppA, ServerHarness.TokenA, "Bearer " + ServerHarness.TokenB },
        { "bearer of another app with X-App-Id", ServerHarness.AppA, null, "Bearer " + ServerHarness.TokenB },
    };

    [Theory]
    [MemberData(nameof(BadCredentials))]
    public async Task BadCredentialsAre401WithTheUnauthorizedKey(string why, string? appId, string? token, string? authorization)
    {
        foreach (var (method, path) in new[] { (HttpMethod.Get, "/v1/exports"), (HttpMethod.Post, "/v1/exports"), (HttpMethod.Get, "/v1/exports/exp_AAAAAAAAAAAAAAAAAAAAAAAA") })
        {
            using var request = new HttpRequestMessage(method, path);
            if (appId is not null)
            {
                request.Headers.Add("X-App-Id", appId);
            }

            if (token is not null)
            {
                request.Headers.Add("X-App-Token", token);
            }

            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            var (response, error) = await _server.SendAsync(request);
            Assert.True(HttpStatusCode.Unauthorized == response.StatusCode, $"{why}: {method} {path} gave {response.StatusCode}");
            Assert.Equal(401, error.GetProperty("code").GetInt32());
            Assert.Equal("unauthorized", error.GetProperty("key").GetString());
            Assert.False(string.IsNullOrEmpty(error.GetProperty("details").GetString()));
            Assert.False(string.IsNullOrEmpty(error.GetProperty("request_id").GetString()));
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
    }

    [Fact]
    public async Task ABearerTokenAloneNamesItsApplication()
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/exports")
        {
            Content = new StringContent("""{"exported_object":"voucher_transactions"}"""),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServerHarness.TokenB);
        var (response, json) = await _server.SendAsync(create);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string id = json.GetProperty("id").GetString()!;

        // It is app B's export: B sees it, A does not.
        Assert.Equal(HttpStatusCode.OK, (await _server.GetAsync($"/v1/exports/{id}", ServerHarness.AppB)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.GetAsync($"/v1/exports/{id}", ServerHarness.AppA)).Response.StatusCode);
    }

    [Fact]
    public async Task AnotherApplicationsExportIsA404NeverA403()
    {
        string id = await _server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""", ServerHarness.AppA);
        await _server.WaitFinalAsync(id, ServerHarness.AppA);

        var (get, getError) = await _server.GetAsync($"/v1/exports/{id}", ServerHarness.AppB);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("not_found", getError.GetProperty("key").GetString());
        Assert.Equal("export", getError.GetProperty("resource_type").GetString());

        // The answer is the same as for an id nobody has, so B cannot tell that A's export exists.
        var (_, unknownError) = await _server.GetAsync("/v1/exports/exp_AAAAAAAAAAAAAAAAAAAAAAAA", ServerHarness.AppB);
        Assert.Equal(
            getError.GetProperty("details").GetString()!.Replace(id, "ID", StringComparison.Ordinal),
            unknownError.GetProperty("details").GetString()!.Replace("exp_AAAAAAAAAAAAAAAAAAAAAAAA", "ID", StringComparison.Ordinal));

        var (delete, _) = await _server.SendAsync(ServerHarness.Request(HttpMethod.Delete, $"/v1/exports/{id}", appId: ServerHarness.AppB));
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);

        var (_, listB) = await _server.GetAsync("/v1/exports", ServerHarness.AppB);
        Assert.Equal(0, listB.GetProperty("total").GetInt32());
        Assert.Equal(0, listB.GetProperty("exports").GetArrayLength());

        // A still has it, untouched by B's delete.
        var (_, listA) = await _server.GetAsync("/v1/exports", ServerHarness.AppA);
        Assert.Equal(1, listA.GetProperty("total").GetInt32());
        Assert.Equal("DONE", listA.GetProperty("exports")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task HealthNeedsNoCredentials()
    {
        using HttpResponseMessage response = await _server.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }
}

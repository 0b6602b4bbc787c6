using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Server.Tests.Support;

namespace VoucherExport.Server.Tests.Console;

/// <summary>The console over HTTP: who may see it, what it shows, cancel and delete, and hostile values kept as text.</summary>
public class ConsoleTests
{
    public const string ConsoleToken = "console-token-for-the-tests-0001";

    [Fact]
    public async Task TheDemoApplicationOnLoopbackOpensWithoutSignIn()
    {
        await using var server = await ServerHarness.StartAsync(applications: false);
        string page = await server.Client.GetStringAsync("/console");
        Assert.Contains("data-page=\"console\"", page, StringComparison.Ordinal);

        using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/exports")
        {
            Content = new StringContent("""{"exported_object":"voucher_transactions"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        create.Headers.Add("X-App-Id", "demo-app");
        create.Headers.Add("X-App-Token", "demo-token");
        string id = JsonDocument.Parse(await (await server.Client.SendAsync(create)).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        await server.Registry.WaitAsync("demo-app", id);

        JsonElement state = await StateAsync(server.Client);
        Assert.Equal("application demo-app", state.GetProperty("viewer").GetString());
        JsonElement export = Assert.Single(state.GetProperty("exports").EnumerateArray());
        Assert.Equal((id, "DONE", "demo-app"), (export.GetProperty("id").GetString(), export.GetProperty("status").GetString(), export.GetProperty("app_id").GetString()));
    }

    [Fact]
    public async Task WithApplicationsConfiguredItAsksForCredentials()
    {
        await using var server = await ServerHarness.StartAsync(new Dictionary<string, string?> { ["Console:Token"] = ConsoleToken });
        using var anonymous = new HttpClient { BaseAddress = server.Address };
        string page = await anonymous.GetStringAsync("/console");
        Assert.Contains("data-page=\"login\"", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/console/api/state")).StatusCode);

        // A wrong token, or an application token with another application's id, signs nobody in.
        foreach (var (app, token) in new[] { ("", "not-the-console-token-at-all"), (ServerHarness.AppB, ServerHarness.TokenA), ("", "") })
        {
            using var refused = await SignInAsync(server.Address, app, token);
            Assert.Equal(HttpStatusCode.Unauthorized, (await refused.GetAsync("/console/api/state")).StatusCode);
        }

        string a = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""", ServerHarness.AppA);
        string b = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""", ServerHarness.AppB);
        await server.Registry.WaitAsync(ServerHarness.AppA, a);
        await server.Registry.WaitAsync(ServerHarness.AppB, b);

        using var operatorClient = await SignInAsync(server.Address, "", ConsoleToken);
        JsonElement all = await StateAsync(operatorClient);
        Assert.Equal("every application", all.GetProperty("viewer").GetString());
        Assert.Equal([b, a], all.GetProperty("exports").EnumerateArray().Select(e => e.GetProperty("id").GetString()));

        using var appClient = await SignInAsync(server.Address, ServerHarness.AppA, ServerHarness.TokenA);
        JsonElement mine = await StateAsync(appClient);
        Assert.Equal("application app-a", mine.GetProperty("viewer").GetString());
        JsonElement only = Assert.Single(mine.GetProperty("exports").EnumerateArray());
        Assert.Equal(a, only.GetProperty("id").GetString());

        // What a DONE export shows: its chunks with sizes, hashes and working download links.
        JsonElement result = only.GetProperty("result");
        JsonElement chunk = Assert.Single(result.GetProperty("chunks").EnumerateArray());
        string url = chunk.GetProperty("url").GetString()!;
        Assert.StartsWith($"/v1/exports/{a}/chunks/1?token=", url, StringComparison.Ordinal);
        byte[] bytes = await anonymous.GetByteArrayAsync(url);
        Assert.Equal(chunk.GetProperty("bytes").GetInt64(), bytes.Length);
        Assert.Equal(chunk.GetProperty("sha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        Assert.NotEqual(JsonValueKind.Null, only.GetProperty("finished_at").ValueKind);
        Assert.Equal("all transactions", only.GetProperty("scope").GetString());

        // An application cannot reach another's export through the console.
        using var other = Change(HttpMethod.Delete, $"/console/api/exports/{b}?app={ServerHarness.AppB}");
        Assert.Equal(HttpStatusCode.NotFound, (await appClient.SendAsync(other)).StatusCode);
        Assert.NotNull(await server.Registry.GetAsync(ServerHarness.AppB, b));
    }

    [Fact]
    public async Task CancelAndDeleteNeedTheConsoleHeaderAndWork()
    {
        var ledger = new DemoLedger(600);
        await using var server = await ServerHarness.StartAsync(
            new Dictionary<string, string?> { ["Console:Token"] = ConsoleToken }, new PausingSource(ledger.AsSource()));
        using var client = await SignInAsync(server.Address, "", ConsoleToken);
        string running = await server.CreateAsync("/v1/exports",
            """{"exported_object":"voucher_transactions","parameters":{"filters":{"source_id":{"conditions":{"$not_in":["pause"]}}}}}""");
        await WaitForAsync(client, running, "IN_PROGRESS");

        // Without the header (what a cross-site form would send) nothing changes.
        using (var bare = new HttpRequestMessage(HttpMethod.Post, $"/console/api/exports/{running}/cancel?app={ServerHarness.AppA}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(bare)).StatusCode);
        }

        using (var cancel = Change(HttpMethod.Post, $"/console/api/exports/{running}/cancel?app={ServerHarness.AppA}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(cancel)).StatusCode);
        }

        JsonElement cancelled = await WaitForAsync(client, running, "ERROR");
        Assert.Equal("export_cancelled", cancelled.GetProperty("error").GetProperty("key").GetString());
        using (var again = Change(HttpMethod.Post, $"/console/api/exports/{running}/cancel?app={ServerHarness.AppA}"))
        {
            Assert.Equal(HttpStatusCode.Conflict, (await client.SendAsync(again)).StatusCode);
        }

        using (var delete = Change(HttpMethod.Delete, $"/console/api/exports/{running}?app={ServerHarness.AppA}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(delete)).StatusCode);
        }

        Assert.Null(await server.Registry.GetAsync(ServerHarness.AppA, running));
        Assert.Empty((await StateAsync(client)).GetProperty("exports").EnumerateArray());
    }

    [Fact]
    public async Task HostileValuesStayText()
    {
        const string hostileApp = "<img/src=x/onerror=window.__pwned=1>";
        const string hostileDetails = "</pre><script>window.__pwned=1</script>&amp;\u2028'\"";
        await using var server = await ServerHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Console:Token"] = ConsoleToken,
            [$"Applications:{hostileApp}"] = "token-of-the-hostile-app-0003",
        });
        await PlantHostileExportAsync(server, hostileApp, hostileDetails);

        using var client = await SignInAsync(server.Address, "", ConsoleToken);
        string body = await client.GetStringAsync("/console/api/state");

        // The JSON carries no markup character raw (the encoder escapes them), and decodes back to exactly what was stored.
        Assert.DoesNotContain('<', body);
        Assert.DoesNotContain('>', body);
        JsonElement export = Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("exports").EnumerateArray());
        Assert.Equal(hostileApp, export.GetProperty("app_id").GetString());
        Assert.Equal(hostileDetails, export.GetProperty("error").GetProperty("details").GetString());
        Assert.Equal("<b>key</b>", export.GetProperty("error").GetProperty("key").GetString());

        // The page itself is static: no stored value is ever part of its markup, and scripts come only from the server.
        using HttpResponseMessage page = await client.GetAsync("/console");
        string html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("__pwned", html, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
    }

    /// <summary>Stores a final ERROR export whose application, error key and details are markup (what a browser test checks too).</summary>
    internal static async Task<string> PlantHostileExportAsync(ServerHarness server, string appId, string details)
    {
        var store = server.Services.GetRequiredService<IExportStore>();
        var export = new ExportObject
        {
            Id = ExportIds.NewId(),
            CreatedAt = server.Clock.GetUtcNow(),
            Status = ExportStatus.Error,
            Parameters = ExportParametersParser.Parse(JsonDocument.Parse("""{"order":"created_at"}""").RootElement),
            Error = new VoucherifyError(500, "<b>key</b>", "<i>message</i>", details),
        };
        await store.AddAsync(new ExportJob(appId, export, CsvFormat.Default, ChunkLimits.Default), default);
        return export.Id;
    }

    internal static async Task<HttpClient> SignInAsync(Uri address, string appId, string token)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() };
        var client = new HttpClient(handler, disposeHandler: true) { BaseAddress = address };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["app_id"] = appId, ["token"] = token });
        using HttpResponseMessage response = await client.PostAsync("/console/login", form);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    private static HttpRequestMessage Change(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Console-Request", "1");
        return request;
    }

    private static async Task<JsonElement> StateAsync(HttpClient client)
    {
        using HttpResponseMessage response = await client.GetAsync("/console/api/state");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Polls the console's state (bounded) until the export shows <paramref name="status"/>.</summary>
    private static async Task<JsonElement> WaitForAsync(HttpClient client, string exportId, string status)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            JsonElement state = await StateAsync(client);
            foreach (JsonElement export in state.GetProperty("exports").EnumerateArray())
            {
                if (export.GetProperty("id").GetString() == exportId && export.GetProperty("status").GetString() == status)
                {
                    return export;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"export {exportId} did not reach {status}: {state}");
            await Task.Delay(50);
        }
    }
}

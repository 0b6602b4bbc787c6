using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using VoucherExport.Registry;
using VoucherExport.Server;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests.Support;

/// <summary>A real Kestrel server on 127.0.0.1 (port 0, the bound port read back after start) and a real HttpClient.</summary>
internal sealed class ServerHarness : IAsyncDisposable
{
    public const string AppA = "app-a";
    public const string TokenA = "token-of-app-a-0001";
    public const string AppB = "app-b";
    public const string TokenB = "token-of-app-b-0002";

    /// <summary>The seed's timestamp, so created_at reads like the seed page.</summary>
    public static readonly DateTimeOffset Start = new(2023, 5, 16, 8, 30, 21, 496, TimeSpan.Zero);

    private readonly WebApplication _app;
    private readonly string _dataFolder;

    private ServerHarness(WebApplication app, string dataFolder, FakeTimeProvider clock, Uri address)
    {
        _app = app;
        _dataFolder = dataFolder;
        Clock = clock;
        Address = address;
        Client = new HttpClient { BaseAddress = address };
    }

    public FakeTimeProvider Clock { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public string DataFolder => _dataFolder;

    public ExportRegistry Registry => _app.Services.GetRequiredService<ExportRegistry>();

    public IServiceProvider Services => _app.Services;

    /// <summary>Completes when every export's end has been logged.</summary>
    public async Task LogsSettledAsync()
    {
        // A run tells its listeners (the log among them) before it counts as finished.
        await Registry.WhenIdleAsync();
        await Registry.WhenNotifiedAsync();
    }

    public static async Task<ServerHarness> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null,
        ITransactionSource? source = null,
        IVoucherDirectory? vouchers = null,
        ILoggerProvider? logs = null,
        bool applications = true,
        Action<IServiceCollection>? services = null)
    {
        string data = Path.Combine(Path.GetTempPath(), "vx-server-tests", Guid.NewGuid().ToString("N"));
        var all = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Exports:DataFolder"] = data,
            ["Ledger:DemoRows"] = "600",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (applications)
        {
            // Without them the server accepts the demo application (on loopback only).
            all[$"Applications:{AppA}"] = TokenA;
            all[$"Applications:{AppB}"] = TokenB;
        }

        if (logs is not null)
        {
            all["Logging:LogLevel:Default"] = "Information";
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var clock = new FakeTimeProvider(Start);
        var builder = VoucherExportServer.CreateBuilder([], new VoucherExportHostOptions
        {
            Settings = all,
            Time = clock,
            Source = source,
            Vouchers = vouchers,
            ContentRoot = AppContext.BaseDirectory,
        });
        services?.Invoke(builder.Services);
        if (logs is not null)
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
        }

        WebApplication app = VoucherExportServer.Build(builder);
        await app.StartAsync();
        string bound = app.Urls.Single();
        Assert.StartsWith("http://127.0.0.1:", bound, StringComparison.Ordinal);
        Assert.NotEqual(0, new Uri(bound).Port);
        return new ServerHarness(app, data, clock, new Uri(bound));
    }

    /// <summary>A request carrying <paramref name="appId"/>'s X-App-Id and X-App-Token.</summary>
    public static HttpRequestMessage Request(HttpMethod method, string path, string? body = null, string appId = AppA)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-App-Id", appId);
        request.Headers.Add("X-App-Token", appId == AppA ? TokenA : TokenB);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return request;
    }

    public async Task<(HttpResponseMessage Response, JsonElement Json)> SendAsync(HttpRequestMessage request)
    {
        HttpResponseMessage response = await Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        JsonElement json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response, json);
    }

    public Task<(HttpResponseMessage Response, JsonElement Json)> PostAsync(string path, string? body, string appId = AppA) =>
        SendAsync(Request(HttpMethod.Post, path, body, appId));

    public Task<(HttpResponseMessage Response, JsonElement Json)> GetAsync(string path, string appId = AppA) =>
        SendAsync(Request(HttpMethod.Get, path, null, appId));

    /// <summary>Creates an export and returns its id (asserting the 200 SCHEDULED answer).</summary>
    public async Task<string> CreateAsync(string path, string? body, string appId = AppA)
    {
        var (response, json) = await PostAsync(path, body, appId);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {json}");
        Assert.Equal("SCHEDULED", json.GetProperty("status").GetString());
        return json.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Waits for the export to end without sleeping (the registry signals it), then reads it back over HTTP, as a
    /// polling client would see it once it is final.
    /// </summary>
    public async Task<JsonElement> WaitFinalAsync(string exportId, string appId = AppA)
    {
        await Registry.WaitAsync(appId, exportId);
        var (response, json) = await GetAsync($"/v1/exports/{exportId}", appId);
        Assert.Equal(200, (int)response.StatusCode);
        return json;
    }

    public async Task<byte[]> DownloadAsync(string url, RangeHeaderValue? range = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = range;
        using HttpResponseMessage response = await Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadAsByteArrayAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

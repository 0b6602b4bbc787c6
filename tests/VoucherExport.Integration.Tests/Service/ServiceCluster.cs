using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Npgsql;
using VoucherExport.Demo;
using VoucherExport.Integration.Tests.PostgreSql;
using VoucherExport.Integration.Tests.S3;
using VoucherExport.PostgreSql;
using VoucherExport.Testing;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// Instances of <c>voucher-export serve</c> (real processes) sharing one PostgreSQL registry and ledger (a private schema)
/// and one S3 bucket, as a deployment behind a load balancer would; and the plain <c>voucher-export export</c> of the same
/// ledger for the expected bytes.
/// </summary>
internal sealed class ServiceCluster : IAsyncDisposable
{
    public const string App = "shop";
    public const string Token = "token-of-the-shop-0001";

    private readonly List<ServerProcess> _instances = [];
    private readonly string _folder;

    private ServiceCluster(PgTestDatabase database, S3TestBucket bucket, DemoLedger ledger, string folder)
    {
        Database = database;
        Bucket = bucket;
        Ledger = ledger;
        _folder = folder;
    }

    public PgTestDatabase Database { get; }

    public S3TestBucket Bucket { get; }

    public DemoLedger Ledger { get; }

    /// <summary>The ledger as <c>--source</c> takes it: a <c>postgres://</c> URL naming the private schema.</summary>
    public string LedgerUrl() => LedgerUrl(Database.Schema);

    /// <summary>The ledger in <paramref name="schema"/> of the test database as the command line takes it: a <c>postgres://</c> URL.</summary>
    public static string LedgerUrl(string schema)
    {
        var builder = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable));
        return $"postgres://{Uri.EscapeDataString(builder.Username!)}:{Uri.EscapeDataString(builder.Password!)}@{builder.Host}:{builder.Port}/{builder.Database}?schema={schema}";
    }

    /// <summary>The registry as <c>serve --registry</c> takes it: a <c>postgres://</c> URL whose <c>schema=</c> is the private schema.</summary>
    public string RegistryUrl() => PostgreSql.RegistryUrlSchemaTests.Url(Database.Schema);

    public static string CliDll() => typeof(ServiceCluster).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "VoucherExportCliDll").Value!;

    public static async Task<ServiceCluster> CreateAsync(long rows)
    {
        var database = await PgTestDatabase.CreateAsync(ledger: true);
        var bucket = new S3TestBucket();
        await bucket.Factory.CheckAsync();
        var ledger = new DemoLedger(rows, seed: 3);
        // The ledger and its vouchers table, as `voucher-export load` leaves them: every instance resolves codes there.
        await PostgresLedgerLoader.ReplaceAsync(database.DataSource, ledger.AsSource(), ledger.Vouchers, database.Ledger);
        string folder = Path.Combine(Path.GetTempPath(), "vx-cluster", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);

        return new ServiceCluster(database, bucket, ledger, folder);
    }

    /// <summary>Starts one more instance, named <paramref name="name"/> in PostgreSQL's <c>application_name</c> of its ledger queries.</summary>
    public async Task<ServerProcess> StartAsync(string name, IReadOnlyDictionary<string, string>? settings = null)
    {
        string postgres = Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)!;
        var instance = await ServerProcess.StartAsync(CliDll(),
            ["--registry", RegistryUrl(), "--ledger", $"{postgres};Application Name={name}",
             "--sink", $"s3://{Bucket.Name}/exports", "--max-chunk-rows", "40", "--threads", "2"],
            new Dictionary<string, string>
            {
                ["Ledger__Schema"] = Database.Schema,
                ["S3__ServiceUrl"] = S3TestSettings.Endpoint!,
                ["S3__AccessKey"] = S3TestSettings.AccessKey!,
                ["S3__SecretKey"] = S3TestSettings.SecretKey!,
                ["Downloads__Secret"] = "a-secret-every-instance-shares-0123456789",
                [$"Applications__{App}"] = Token,
                ["Exports__HeartbeatInterval"] = "00:00:01",
            }.Concat(settings ?? new Dictionary<string, string>()).ToDictionary(),
            TimeSpan.FromMinutes(2));
        _instances.Add(instance);
        return instance;
    }

    public static HttpClient Client(ServerProcess instance)
    {
        var client = new HttpClient { BaseAddress = instance.Address };
        client.DefaultRequestHeaders.Add("X-App-Id", App);
        client.DefaultRequestHeaders.Add("X-App-Token", Token);
        return client;
    }

    public static async Task<JsonElement> CreateAsync(ServerProcess instance, string path, string body, string? idempotencyKey = null)
    {
        using var client = Client(instance);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using HttpResponseMessage response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        JsonElement json = JsonDocument.Parse(text).RootElement.Clone();
        return json;
    }

    public static async Task<(int Status, JsonElement Json)> GetAsync(ServerProcess instance, string path)
    {
        using var client = Client(instance);
        using HttpResponseMessage response = await client.GetAsync(new Uri(path, UriKind.Relative));
        string text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Polls <paramref name="instance"/> until the export is final (bounded: two minutes).</summary>
    public static async Task<JsonElement> WaitFinalAsync(ServerProcess instance, string id)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var (status, json) = await GetAsync(instance, $"/v1/exports/{id}");
            Assert.Equal(200, status);
            if (json.GetProperty("status").GetString() is "DONE" or "ERROR")
            {
                return json;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), $"export {id} still {json.GetProperty("status")} after two minutes");
            await Task.Delay(100);
        }
    }

    public static async Task<byte[]> DownloadAsync(string url)
    {
        using var client = new HttpClient();
        using HttpResponseMessage response = await client.GetAsync(new Uri(url));
        byte[] bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {Encoding.UTF8.GetString(bytes)}");
        return bytes;
    }

    /// <summary>
    /// The same export run by <c>voucher-export export</c> against the same ledger: its one chunk's bytes. Without a
    /// <paramref name="scopeOption"/> (<c>--voucher</c>, <c>--campaign</c>, <c>--member</c>) it is the generic export.
    /// </summary>
    public async Task<byte[]> ExpectedAsync(string? scopeOption, string? scopeValue, string parameters)
    {
        string[] scope = scopeOption is null ? [] : [scopeOption, scopeValue!];
        (JsonElement export, string folder) = await CliExportAsync(_folder, LedgerUrl(), [.. scope, "--parameters", parameters]);
        return await File.ReadAllBytesAsync(Path.Combine(folder, export.GetProperty("id").GetString()!, "part-00001.csv"));
    }

    /// <summary>
    /// Runs <c>voucher-export export --source <paramref name="ledger"/> [options] --out FOLDER --quiet</c>, FOLDER a new
    /// folder under <paramref name="root"/>; asserts it succeeded and returns the export object it printed, and FOLDER.
    /// </summary>
    public static async Task<(JsonElement Export, string Folder)> CliExportAsync(string root, string ledger, IEnumerable<string> options)
    {
        string outFolder = Path.Combine(root, "cli-" + Guid.NewGuid().ToString("N"));
        string output = await CliAsync(["export", "--source", ledger, .. options, "--out", outFolder, "--quiet"]);
        return (JsonDocument.Parse(output).RootElement, outFolder);
    }

    /// <summary>Runs <c>voucher-export <paramref name="arguments"/></c>; asserts it succeeded and returns what it printed on stdout.</summary>
    public static async Task<string> CliAsync(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])["exec", CliDll(), .. arguments])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"voucher-export {arguments[0]} failed ({process.ExitCode}): {await errors}");
        return await output;
    }

    /// <summary>The queries of <paramref name="application"/> waiting for a lock (a ledger read held up by the test).</summary>
    public async Task<int> BlockedReadsAsync(string application)
    {
        await using var command = Database.DataSource.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = application });
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        await Bucket.DisposeAsync();
        await Database.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}

using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VoucherExport.Demo;
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
    [InlineData("Exports:MaxConcurrent", "0", "Exports:MaxConcurrent: must be between 1 and 1024, not 0")]
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
    [InlineData("Exports:Parallelism", "0", "Exports:Parallelism: must be between 1 and 64, not 0")]
    [InlineData("Exports:Parallelism", "65", "Exports:Parallelism: must be between 1 and 64, not 65")]
    [InlineData("Exports:Parallelism", "all", "Exports:Parallelism: 'all' is not a whole number")]
    [InlineData("Exports:HeartbeatInterval", "00:00:00", "Exports:HeartbeatInterval: must be more than 0")]
    [InlineData("Exports:HeartbeatInterval", "often", "Exports:HeartbeatInterval: 'often' is not a time span")]
    [InlineData("Exports:LeaseDuration", "00:00:03", "Exports:LeaseDuration: must be at least twice Exports:HeartbeatInterval (00:00:02), not 00:00:03")]
    [InlineData("Exports:DrainTimeout", "-00:00:01", "Exports:DrainTimeout: must not be negative")]
    [InlineData("Exports:Sink", "ftp://bucket/prefix", "Exports:Sink: 'ftp://bucket/prefix' is not s3://bucket/prefix")]
    [InlineData("S3:CreateBucket", "maybe", "S3:CreateBucket: must be true or false, not 'maybe'")]
    [InlineData("Registry:ConnectionString", "Hots=db.example", "Registry:ConnectionString: expected postgres://user:password@host:port/database or Host=")]
    [InlineData("Registry:ConnectionString", "postgres://user@db.example/exports", "Downloads:Secret: is required with Registry:ConnectionString")]
    [InlineData("Ledger:ConnectionString", "Hots=db.example", "Ledger:ConnectionString: expected postgres://user:password@host:port/database or Host=")]
    [InlineData("Ledger:Partitions", "0", "Ledger:Partitions: must be between 1 and 64, not 0")]
    [InlineData("Exports:RetryMaxDelay", "00:00:01", "Exports:RetryMaxDelay: must be at least Exports:RetryDelay (00:00:02), not 00:00:01")]
    [InlineData("Ledger:MalformedRows", "ignore", "Ledger:MalformedRows: must be Fail or Skip, not 'ignore'")]
    [InlineData("Exports:MaxConcurrent", "99999999999", "Exports:MaxConcurrent: '99999999999' is not a whole number")]
    [InlineData("Idempotency:Retention", "a day", "Idempotency:Retention: 'a day' is not a time span")]
    public void ABadSettingIsRefusedNamingTheKey(string key, string value, string message)
    {
        var e = Assert.Throws<ServerConfigurationException>(() => Read((key, value)));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Registry:Schema", "Exports-Schema", "Registry:Schema: Schema must be 1 to 36 characters of a-z, 0-9 and _")]
    [InlineData("Registry:Table", "9exports", "Registry:Table: Table must be 1 to 36 characters of a-z, 0-9 and _")]
    [InlineData("Ledger:Schema", "Ledger Schema", "Ledger:Schema: Schema must be 1 to 36 characters of a-z, 0-9 and _")]
    [InlineData("Ledger:Table", "transactions;drop", "Ledger:Table: Table must be 1 to 36 characters of a-z, 0-9 and _")]
    [InlineData("S3:ServiceUrl", "not a url", "S3:ServiceUrl: 'not a url' is not an absolute URL")]
    [InlineData("S3:ServiceUrl", "http://127.0.0.1:7480/some/path", "S3:ServiceUrl: service URL 'http://127.0.0.1:7480/some/path' must be an absolute http:// or https:// URL with no path or query")]
    [InlineData("S3:Region", "US East", "S3:Region: region 'US East' must be lowercase letters")]
    [InlineData("Exports:Sink", "s3://Not_A_Bucket/prefix", "Exports:Sink: bucket name 'Not_A_Bucket' must be 3 to 63 lowercase letters")]
    public void ADatabaseOrStorageSettingIsCheckedWithTheOthersItGoesWith(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Registry:ConnectionString"] = "Host=db.example;Username=exporter",
            ["Downloads:Secret"] = new string('s', 32),
            ["Ledger:ConnectionString"] = "postgres://exporter:pw@db.example:5433/ledger",
            ["Exports:Sink"] = "s3://exports-bucket/prod",
            ["S3:AccessKey"] = "access",
            ["S3:SecretKey"] = "secret",
            [key] = value,
        };
        var e = Assert.Throws<ServerConfigurationException>(() => Read([.. settings.Select(s => (s.Key, s.Value))]));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(key, e.Key);
    }

    [Theory]
    [InlineData("public", "postgres://exporter:pw@db.example/exports?table=exports", "Registry:ConnectionString",
        "Registry:ConnectionString: 'table=' names a ledger table, not the registry's; a registry URL takes only schema=")]
    [InlineData("tenant_b", "postgres://exporter:pw@db.example/exports?schema=tenant_a", "Registry:Schema",
        "Registry:Schema: 'tenant_b' contradicts schema=tenant_a in Registry:ConnectionString")]
    [InlineData("public", "postgres://exporter:pw@db.example/exports?schema=Tenant-A", "Registry:ConnectionString",
        "Registry:ConnectionString: not a usable PostgreSQL address: Schema must be 1 to 36 characters of a-z, 0-9 and _")]
    public void ARegistryUrlNamesItsSchemaOnly(string schema, string url, string key, string message)
    {
        var e = Assert.Throws<ServerConfigurationException>(() => Read(
            ("Registry:ConnectionString", url), ("Registry:Schema", schema), ("Downloads:Secret", new string('s', 32))));
        Assert.Equal(key, e.Key);
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARegistryUrlsSchemaAgreeingWithRegistrySchemaIsAccepted()
    {
        ServerOptions options = Read(
            ("Registry:ConnectionString", "postgres://exporter:pw@db.example/exports?schema=tenant_a"),
            ("Registry:Schema", "tenant_a"),
            ("Downloads:Secret", new string('s', 32)));
        Assert.Equal("tenant_a", options.Registry.Schema);
    }

    [Fact]
    public void TheServiceSettingsAreReadAndHandedToTheRegistry()
    {
        ServerOptions options = Read(
            ("Registry:ConnectionString", "Host=db.example;Username=exporter"),
            ("Registry:Schema", "exports"),
            ("Downloads:Secret", new string('s', 32)),
            ("Ledger:ConnectionString", "postgres://exporter:pw@db.example:5433/ledger"),
            ("Ledger:Schema", "ledger"),
            ("Ledger:Table", "transactions_view"),
            ("Ledger:Partitions", "4"),
            ("Exports:Sink", "s3://exports-bucket/prod"),
            ("S3:ServiceUrl", "http://127.0.0.1:7480"),
            ("S3:Region", "eu-west-1"),
            ("S3:AccessKey", "access"),
            ("S3:SecretKey", "secret"),
            ("S3:CreateBucket", "true"),
            ("Exports:Parallelism", "3"),
            ("Exports:HeartbeatInterval", "00:00:05"),
            ("Exports:LeaseDuration", "00:01:00"),
            ("Exports:DrainTimeout", "00:00:10"));
        Hosting.VoucherExportOptions service = options.ToServiceOptions();
        Assert.Equal("Host=db.example;Username=exporter", service.Registry.ConnectionString);
        Assert.Equal("exports", service.Registry.Schema);
        Assert.Equal("s3://exports-bucket/prod", service.Sink);
        Assert.Equal(("http://127.0.0.1:7480", "eu-west-1", "access", "secret", true),
            (service.S3.ServiceUrl, service.S3.Region, service.S3.AccessKey, service.S3.SecretKey, service.S3.CreateBucket));
        Assert.Equal((3, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1)), (service.Parallelism, service.HeartbeatInterval, service.LeaseDuration));
        Assert.Equal(TimeSpan.FromSeconds(10), service.DrainTimeout);
        Hosting.LedgerLocation ledger = options.Ledger.ToLocation();
        Assert.Equal(("postgres://exporter:pw@db.example:5433/ledger", "ledger", "transactions_view", 4, 0L),
            (ledger.ConnectionString, ledger.Schema, ledger.Table, ledger.Partitions, ledger.DemoRows));
    }

    [Fact]
    public void EachSectionIsBoundByTheOptionsBinderAndCheckedAtStart()
    {
        var builder = VoucherExportServer.CreateBuilder([], new VoucherExportHostOptions
        {
            Settings = new Dictionary<string, string?>
            {
                ["urls"] = "http://127.0.0.1:0",
                ["Ledger:DemoRows"] = "10",
                ["Ledger:MalformedRows"] = "skip",
                ["Limits:MaxInValues"] = " 20 ",
                ["Exports:MaxConcurrent"] = "3",
                ["Exports:Sink"] = "  ",
                ["Idempotency:Retention"] = "01:00:00",
                ["Applications:shop"] = "a-long-enough-token",
            },
        });
        using var app = VoucherExportServer.Build(builder);

        // Each section is an IOptions<T> any part of the host can take, with the values the server itself uses.
        Assert.Equal(20, app.Services.GetRequiredService<IOptions<RequestLimits>>().Value.MaxInValues);
        Assert.Equal(3, app.Services.GetRequiredService<IOptions<ExportsOptions>>().Value.MaxConcurrent);
        Assert.Null(app.Services.GetRequiredService<IOptions<ExportsOptions>>().Value.Sink);
        Assert.Equal(MalformedRowPolicy.Skip, app.Services.GetRequiredService<IOptions<LedgerOptions>>().Value.MalformedRows);
        Assert.Equal(TimeSpan.FromHours(1), app.Services.GetRequiredService<IOptions<IdempotencyOptions>>().Value.Retention);
        Assert.Equal(["shop"], app.Services.GetRequiredService<IOptions<ApplicationsOptions>>().Value.Applications.Keys);
        Assert.Equal(3, app.Services.GetRequiredService<IOptions<Hosting.VoucherExportOptions>>().Value.MaxConcurrentExports);

        // Their validators are the ones that refuse a bad value, and they run on start (ValidateOnStart).
        var validators = app.Services.GetServices<IValidateOptions<RequestLimits>>().ToList();
        Assert.Contains(validators, v => v.Validate(null, new RequestLimits { MaxInValues = 0 }).Failed);
        Assert.NotNull(app.Services.GetService<IStartupValidator>());
    }

    [Fact]
    public void AKeyOverriddenWithNullKeepsItsDefault()
    {
        // A later source that sets a key to null unsets it (the binder alone would bind the type's zero).
        ServerOptions options = ServerOptions.FromConfiguration(
            new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Ledger:DemoRows"] = "5", ["Limits:MaxInValues"] = "7", ["Applications:shop"] = "a-long-enough-token" })
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Ledger:DemoRows"] = null, ["Limits:MaxInValues"] = null, ["Applications:shop"] = null })
                .Build(),
            "/srv");
        Assert.Equal(LedgerOptions.DefaultDemoRows, options.Ledger.DemoRows);
        Assert.Equal(RequestLimits.DefaultMaxInValues, options.Limits.MaxInValues);
        Assert.True(options.UsesDemoApplication);
    }

    [Fact]
    public void ExportsUseAllCoresByDefault()
    {
        ServerOptions options = Read();
        Assert.Equal(Math.Clamp(Environment.ProcessorCount, 1, 64), options.Parallelism);
        Assert.Equal(TimeSpan.FromSeconds(2), options.HeartbeatInterval);
        Assert.Null(options.Registry.ConnectionString);
        Assert.Null(options.Sink);
    }

    [Theory]
    [InlineData("Registry:ConnectionString", "PostgreSQL at 127.0.0.1:9/vx cannot be reached")]
    [InlineData("Ledger:ConnectionString", "PostgreSQL at 127.0.0.1:9/vx cannot be reached")]
    public void AnUnreachablePostgreSqlStopsTheStartInOneLine(string key, string problem)
    {
        // Port 9 (discard) is closed on a test machine: the connection is refused at once.
        var builder = VoucherExportServer.CreateBuilder([], new VoucherExportHostOptions
        {
            Settings = new Dictionary<string, string?>
            {
                ["urls"] = "http://127.0.0.1:0",
                [key] = "Host=127.0.0.1;Port=9;Username=vx;Password=vx;Database=vx;Timeout=5",
                ["Downloads:Secret"] = new string('s', 32),
            },
        });
        var e = Assert.Throws<ServerConfigurationException>(() => VoucherExportServer.Build(builder));
        Assert.Equal(key, e.Key);
        Assert.StartsWith($"{key}: {problem}", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AnUnreachableS3StopsTheStartInOneLine()
    {
        var builder = VoucherExportServer.CreateBuilder([], new VoucherExportHostOptions
        {
            Settings = new Dictionary<string, string?>
            {
                ["urls"] = "http://127.0.0.1:0",
                ["Ledger:DemoRows"] = "10",
                ["Exports:Sink"] = "s3://vx-unreachable/exports",
                ["S3:ServiceUrl"] = "http://127.0.0.1:9",
                ["S3:AccessKey"] = "access",
                ["S3:SecretKey"] = "secret",
            },
        });
        var e = Assert.Throws<ServerConfigurationException>(() => VoucherExportServer.Build(builder));
        Assert.Equal("Exports:Sink", e.Key);
        Assert.StartsWith("Exports:Sink: S3 list of s3://vx-unreachable/exports failed", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
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

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VoucherExport.Registry;

namespace VoucherExport.Hosting.Tests;

/// <summary>
/// The service keys of <c>VoucherExport:</c> — <c>Registry:*</c>, <c>Ledger:*</c>, <c>Sink</c>, <c>S3:*</c>,
/// <c>Parallelism</c>, <c>HeartbeatInterval</c>, <c>LeaseDuration</c>: bound from configuration, checked at start
/// naming the key, and servers they name that do not answer stop the start in one line.
/// </summary>
public class ServiceOptionsTests
{
    [Theory]
    [InlineData("Parallelism", "0", "VoucherExport:Parallelism must be between 1 and 64, not 0")]
    [InlineData("HeartbeatInterval", "00:00:00", "VoucherExport:HeartbeatInterval must be more than 0")]
    [InlineData("LeaseDuration", "00:00:03", "VoucherExport:LeaseDuration must be at least twice VoucherExport:HeartbeatInterval (00:00:02), not 00:00:03")]
    [InlineData("Registry:ConnectionString", "Hots=db.example", "VoucherExport:Registry:ConnectionString: expected postgres://user:password@host:port/database or Host=")]
    [InlineData("Ledger:ConnectionString", "Hots=db.example", "VoucherExport:Ledger:ConnectionString: expected postgres://user:password@host:port/database or Host=")]
    [InlineData("Sink", "ftp://bucket", "VoucherExport:Sink: 'ftp://bucket' is not s3://bucket/prefix")]
    public async Task ABadServiceSettingStopsTheHostNamingTheKey(string key, string value, string message)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync((key, value)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Registry:Schema", "Exports-Schema", "VoucherExport:Registry:Schema: Schema must be 1 to 36 characters")]
    [InlineData("Ledger:Partitions", "0", "VoucherExport:Ledger:Partitions: Partitions")]
    [InlineData("Ledger:Table", "9table", "VoucherExport:Ledger:Table: Table must be 1 to 36 characters")]
    [InlineData("S3:ServiceUrl", "not a url", "VoucherExport:S3:ServiceUrl: 'not a url' is not an absolute URL")]
    [InlineData("S3:Region", "US East", "VoucherExport:S3:Region: region 'US East' must be lowercase letters")]
    public async Task ADatabaseOrStorageSettingIsCheckedWithItsSection(string key, string value, string message)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(
            ("Registry:ConnectionString", "Host=db.example;Username=exporter"),
            ("Ledger:ConnectionString", "postgres://exporter:pw@db.example/ledger"),
            ("Sink", "s3://exports-bucket/prod"),
            ("S3:AccessKey", "access"),
            ("S3:SecretKey", "secret"),
            (key, value)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Registry:ConnectionString")]
    [InlineData("Ledger:ConnectionString")]
    public async Task AnUnreachablePostgreSqlStopsTheStartInOneLine(string key)
    {
        // Port 9 (discard) is closed on a test machine: the connection is refused at once.
        var e = await Assert.ThrowsAsync<VoucherExportStartException>(() => StartAsync(
            (key, "Host=127.0.0.1;Port=9;Username=vx;Password=vx;Database=vx;Timeout=5")));
        Assert.Equal(key, e.Setting);
        Assert.StartsWith($"VoucherExport:{key}: PostgreSQL at 127.0.0.1:9/vx cannot be reached", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task AnUnreachableS3StopsTheStartInOneLine()
    {
        var e = await Assert.ThrowsAsync<VoucherExportStartException>(() => StartAsync(
            ("Sink", "s3://vx-unreachable/exports"), ("S3:ServiceUrl", "http://127.0.0.1:9"), ("S3:AccessKey", "access"), ("S3:SecretKey", "secret")));
        Assert.Equal("Sink", e.Setting);
        Assert.StartsWith("VoucherExport:Sink: S3 list of s3://vx-unreachable/exports failed", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void TheKeysBindFromConfiguration()
    {
        using ServiceProvider services = Services(
            ("Parallelism", "3"), ("HeartbeatInterval", "00:00:05"), ("LeaseDuration", "00:01:00"),
            ("Registry:ConnectionString", "Host=db.example"), ("Registry:Schema", "exports"), ("Registry:Table", "export_jobs"),
            ("Ledger:ConnectionString", "Host=ledger.example"), ("Ledger:Schema", "ledger"), ("Ledger:Table", "tx"), ("Ledger:Partitions", "4"),
            ("Sink", "s3://bucket/prefix"), ("S3:ServiceUrl", "http://127.0.0.1:7480"), ("S3:Region", "eu-west-1"),
            ("S3:AccessKey", "access"), ("S3:SecretKey", "secret"), ("S3:CreateBucket", "true"));
        VoucherExportOptions o = services.GetRequiredService<IOptions<VoucherExportOptions>>().Value;
        Assert.Equal((3, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1)), (o.Parallelism, o.HeartbeatInterval, o.LeaseDuration));
        Assert.Equal(("Host=db.example", "exports", "export_jobs"), (o.Registry.ConnectionString, o.Registry.Schema, o.Registry.Table));
        Assert.Equal(("Host=ledger.example", "ledger", "tx", (int?)4), (o.Ledger.ConnectionString, o.Ledger.Schema, o.Ledger.Table, o.Ledger.Partitions));
        Assert.Equal(("s3://bucket/prefix", "http://127.0.0.1:7480", "eu-west-1", "access", "secret", true),
            (o.Sink, o.S3.ServiceUrl, o.S3.Region, o.S3.AccessKey, o.S3.SecretKey, o.S3.CreateBucket));
    }

    [Fact]
    public async Task ExportsRunWithTheConfiguredParallelismAndItDefaultsToAllCores()
    {
        VoucherExportOptions defaults = new();
        Assert.Equal(Math.Clamp(Environment.ProcessorCount, 1, 64), defaults.Parallelism);

        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddVoucherExport(o =>
        {
            o.DemoRows = 2_000;
            o.Parallelism = 2;
            o.DataDirectory = Path.Combine(Path.GetTempPath(), "vx-hosting-tests", Guid.NewGuid().ToString("N"));
        });
        using IHost host = builder.Build();
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<ExportRegistry>();
        var created = await registry.CreateAsync("app", ExportScope.All, Parameters.ExportParameters.Default);
        ExportObject? final = await registry.WaitAsync("app", created.Id).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(ExportStatus.Done, final!.Status);
        Assert.Equal(2_000, final.Result!.Rows);
        await host.StopAsync();
    }

    private static ServiceProvider Services(params (string Key, string Value)[] settings)
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>($"VoucherExport:{s.Key}", s.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddVoucherExport(configuration);
        return services.BuildServiceProvider();
    }

    private static async Task StartAsync(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(
            settings.Select(s => new KeyValuePair<string, string?>($"VoucherExport:{s.Key}", s.Value))
                .Append(new KeyValuePair<string, string?>("VoucherExport:DemoRows", "10")));
        builder.Services.AddVoucherExport(builder.Configuration);
        using IHost host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
    }
}

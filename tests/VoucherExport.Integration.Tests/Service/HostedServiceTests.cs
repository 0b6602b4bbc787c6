using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VoucherExport.Demo;
using VoucherExport.Hosting;
using VoucherExport.Integration.Tests.PostgreSql;
using VoucherExport.Integration.Tests.S3;
using VoucherExport.Parameters;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// A generic host configured only through <c>VoucherExport:</c> keys gets the PostgreSQL registry (its table created at
/// start), the PostgreSQL ledger and the S3 sink: the same parts, from the same keys, as <c>voucher-export serve</c>.
/// </summary>
public class HostedServiceTests
{
    [ServiceFact]
    public async Task TheServiceKeysAssembleARegistryOnPostgreSqlAndS3()
    {
        await using var database = await PgTestDatabase.CreateAsync(ledger: true);
        var bucket = new S3TestBucket();
        try
        {
            await RunAsync(database, bucket);
        }
        finally
        {
            await bucket.DisposeAsync();
        }
    }

    private static async Task RunAsync(PgTestDatabase database, S3TestBucket bucket)
    {
        var ledger = new DemoLedger(1_000, seed: 5);
        await PostgresLedgerLoader.LoadAsync(database.DataSource, ledger.AsSource(), database.Ledger);
        string postgres = Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)!;

        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VoucherExport:Registry:ConnectionString"] = postgres,
            ["VoucherExport:Registry:Schema"] = database.Schema,
            ["VoucherExport:Ledger:ConnectionString"] = postgres,
            ["VoucherExport:Ledger:Schema"] = database.Schema,
            ["VoucherExport:Ledger:Partitions"] = "2",
            ["VoucherExport:Sink"] = $"s3://{bucket.Name}/hosted",
            ["VoucherExport:S3:ServiceUrl"] = S3TestSettings.Endpoint,
            ["VoucherExport:S3:AccessKey"] = S3TestSettings.AccessKey,
            ["VoucherExport:S3:SecretKey"] = S3TestSettings.SecretKey,
            ["VoucherExport:S3:CreateBucket"] = "true",
            ["VoucherExport:Parallelism"] = "2",
            ["VoucherExport:MaxChunkRows"] = "300",
        });
        builder.Services.AddVoucherExport(builder.Configuration);
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            var registry = host.Services.GetRequiredService<ExportRegistry>();
            Assert.IsType<PostgresExportStore>(host.Services.GetRequiredService<IExportStore>());
            ExportObject created = await registry.CreateAsync("app", ExportScope.All, ExportParameters.Default);
            ExportObject? done = await registry.WaitAsync("app", created.Id).WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(ExportStatus.Done, done!.Status);
            Assert.Equal(1_000, done.Result!.Rows);
            Assert.Equal(4, done.Result.Chunks.Count);

            // The chunks are in the bucket, under the prefix; the export is a row of the registry's table.
            List<string> keys = await bucket.KeysAsync($"hosted/{created.Id}/");
            Assert.Equal(["manifest.json", "part-00001.csv", "part-00002.csv", "part-00003.csv", "part-00004.csv"],
                keys.Select(k => k[$"hosted/{created.Id}/".Length..]).Order(StringComparer.Ordinal));
            await using var count = database.DataSource.CreateCommand($"SELECT count(*) FROM \"{database.Schema}\".voucher_exports WHERE id = '{created.Id}' AND status = 'DONE'");
            Assert.Equal(1L, await count.ExecuteScalarAsync());
        }
        finally
        {
            await host.StopAsync();
        }
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using VoucherExport.Hosting;
using VoucherExport.Parameters;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>
/// <c>Registry:ConnectionString</c> given as <c>postgres://…?schema=x</c> puts the registry's tables in schema x, as
/// <c>Registry:Schema</c> = x would (<c>serve --registry</c> takes the same URL: the service cluster tests start that way).
/// </summary>
public class RegistryUrlSchemaTests
{
    [PostgresFact]
    public async Task TheSchemaOfARegistryUrlHoldsTheRegistry()
    {
        await using var database = await PgTestDatabase.CreateAsync(ledger: false);
        string folder = Path.Combine(Path.GetTempPath(), "vx-registry-url", Guid.NewGuid().ToString("N"));
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VoucherExport:Registry:ConnectionString"] = Url(database.Schema),
            ["VoucherExport:DemoRows"] = "200",
            ["VoucherExport:DataDirectory"] = folder,
        });
        builder.Services.AddVoucherExport(builder.Configuration);
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            var registry = host.Services.GetRequiredService<ExportRegistry>();
            Assert.IsType<PostgresExportStore>(host.Services.GetRequiredService<IExportStore>());
            ExportObject created = await registry.CreateAsync("app", ExportScope.All, ExportParameters.Default);
            ExportObject? done = await registry.WaitAsync("app", created.Id).WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(ExportStatus.Done, done!.Status);

            // The export is a row of the table in the URL's schema, which the start created there.
            await using var count = database.DataSource.CreateCommand(
                $"SELECT count(*) FROM \"{database.Schema}\".voucher_exports WHERE id = $1 AND status = 'DONE'");
            count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = created.Id });
            Assert.Equal(1L, await count.ExecuteScalarAsync());
        }
        finally
        {
            await host.StopAsync();
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [PostgresFact]
    public void ASchemaThatContradictsRegistrySchemaStopsTheStartNamingTheKey()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VoucherExport:Registry:ConnectionString"] = Url("tenant_a"),
            ["VoucherExport:Registry:Schema"] = "tenant_b",
        });
        builder.Services.AddVoucherExport(builder.Configuration);
        using IHost host = builder.Build();
        var e = Assert.ThrowsAny<Microsoft.Extensions.Options.OptionsValidationException>(
            () => host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<VoucherExportOptions>>().Value);
        Assert.Contains("Registry:Schema: 'tenant_b' contradicts schema=tenant_a in Registry:ConnectionString", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The test server as a <c>postgres://</c> URL naming <paramref name="schema"/>.</summary>
    internal static string Url(string schema)
    {
        var builder = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable));
        return $"postgres://{Uri.EscapeDataString(builder.Username!)}:{Uri.EscapeDataString(builder.Password!)}@{builder.Host}:{builder.Port}/{builder.Database}?schema={schema}";
    }
}

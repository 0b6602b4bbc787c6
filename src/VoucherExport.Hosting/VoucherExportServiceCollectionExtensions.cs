using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VoucherExport.Chunks;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Hosting;

/// <summary>Adds VoucherExport to a .NET generic host.</summary>
public static class VoucherExportServiceCollectionExtensions
{
    /// <summary>
    /// Registers the export registry and its parts, options bound from the <c>VoucherExport</c> section of
    /// <paramref name="configuration"/> (when given) and then <paramref name="configure"/>. Every part is registered with
    /// TryAdd, so a host that registers its own <see cref="ITransactionSource"/>, <see cref="IExportStore"/>,
    /// <see cref="IChunkSinkFactory"/> or <see cref="IVoucherDirectory"/> first keeps it. Otherwise the options choose:
    /// <c>Registry:ConnectionString</c> a PostgreSQL registry (tables created at start), <c>Ledger:ConnectionString</c> a
    /// PostgreSQL ledger, <c>Sink</c> = <c>s3://…</c> an S3 sink; a server they name that does not answer at start stops
    /// the host with a <see cref="VoucherExportStartException"/> naming the setting.
    /// </summary>
    public static IServiceCollection AddVoucherExport(
        this IServiceCollection services, IConfiguration? configuration = null, Action<VoucherExportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<VoucherExportOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(VoucherExportOptions.SectionName));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VoucherExportOptions>, VoucherExportOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        // Registry:ConnectionString makes the registry durable and shared; its tables are created here, at start.
        services.TryAddSingleton(sp => ServiceParts.OpenRegistry(sp.GetRequiredService<IOptions<VoucherExportOptions>>().Value));
        services.TryAddSingleton<IExportStore>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<VoucherExportOptions>>().Value;
            if (string.IsNullOrEmpty(o.Registry.ConnectionString))
            {
                return new InMemoryExportStore();
            }

            var database = sp.GetRequiredService<RegistryDatabase>();
            return new PostgresExportStore(database.DataSource, database.Options);
        });
        services.TryAddSingleton<IChunkSinkFactory>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<VoucherExportOptions>>().Value;
            string root = sp.GetService<IHostEnvironment>()?.ContentRootPath ?? Directory.GetCurrentDirectory();
            return ServiceParts.OpenSinks(o, root);
        });
        services.TryAddSingleton(sp => LedgerFromOptions.Create(sp.GetRequiredService<IOptions<VoucherExportOptions>>().Value));
        services.TryAddSingleton(sp => sp.GetRequiredService<LedgerFromOptions>().Source);
        services.TryAddSingleton(sp => sp.GetRequiredService<LedgerFromOptions>().Vouchers);
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<VoucherExportOptions>>().Value;
            return new ExportRegistry(
                sp.GetRequiredService<IExportStore>(),
                sp.GetRequiredService<ITransactionSource>(),
                sp.GetRequiredService<IChunkSinkFactory>(),
                new ExportRegistryOptions
                {
                    MaxConcurrentExports = o.MaxConcurrentExports,
                    Csv = OptionsMapping.Csv(o),
                    Chunks = OptionsMapping.Chunks(o),
                    Retry = OptionsMapping.Retry(o),
                    Parallelism = o.Parallelism,
                    RangeTasks = o.RangeTasks,
                    HeartbeatInterval = o.HeartbeatInterval,
                    LeaseDuration = o.LeaseDuration,
                },
                sp.GetRequiredService<IVoucherDirectory>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetServices<IExportCompletionListener>(),
                sp.GetService<ILogger<ExportRegistry>>());
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IExportCompletionListener, WebhookListener>());
        services.AddHostedService<ExportRegistryHostedService>();
        return services;
    }

    /// <summary>Registers VoucherExport with options set in code only.</summary>
    public static IServiceCollection AddVoucherExport(this IServiceCollection services, Action<VoucherExportOptions> configure) =>
        services.AddVoucherExport(configuration: null, configure);
}

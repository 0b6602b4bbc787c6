using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VoucherExport.Chunks;
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
    /// <see cref="IChunkSinkFactory"/> or <see cref="IVoucherDirectory"/> first keeps it.
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
        services.TryAddSingleton<IExportStore, InMemoryExportStore>();
        services.TryAddSingleton<IChunkSinkFactory>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<VoucherExportOptions>>().Value;
            string root = sp.GetService<IHostEnvironment>()?.ContentRootPath ?? Directory.GetCurrentDirectory();
            return new FileSystemChunkSinkFactory(Path.GetFullPath(o.DataDirectory, root));
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

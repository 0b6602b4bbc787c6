using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using VoucherExport.Hosting;

namespace VoucherExport.Server;

/// <summary>
/// Binds the server's keys with the options binder (<c>AddOptions&lt;T&gt;().Bind(section)</c>), one options class per
/// section, each checked by an <see cref="IValidateOptions{TOptions}"/> at start (<c>ValidateOnStart</c>), and turns a
/// failed binding or check into the <see cref="ServerConfigurationException"/> naming the key.
/// </summary>
internal static partial class ServerConfiguration
{
    /// <summary>Registers the bound and validated sections and the <see cref="ServerOptions"/> composed of them.</summary>
    public static IServiceCollection AddServerConfiguration(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        // Applications:<id> sits at the root (Applications is the dictionary of ApplicationsOptions).
        services.AddOptions<ApplicationsOptions>().Bind(configuration).PostConfigure(applications =>
        {
            // A key set to null (an override that removes an application) configures nothing.
            foreach (var removed in configuration.GetSection("Applications").GetChildren().Where(c => c.Value is null && !c.GetChildren().Any()))
            {
                applications.Applications.Remove(removed.Key);
            }
        }).ValidateOnStart();
        services.BindSection<ExportsOptions>(configuration, "Exports").PostConfigure(exports =>
        {
            exports.DataFolder = Path.GetFullPath(Text(exports.DataFolder) ?? ServerOptions.DefaultDataFolder, contentRoot);
            exports.Compression = Text(exports.Compression) ?? "none";
            exports.Sink = Text(exports.Sink);
        }).ValidateOnStart();
        services.BindSection<S3StorageOptions>(configuration, "S3").PostConfigure(s3 =>
        {
            s3.ServiceUrl = Text(s3.ServiceUrl);
            s3.Region = Text(s3.Region);
            s3.AccessKey = Text(s3.AccessKey);
            s3.SecretKey = Text(s3.SecretKey);
        });
        services.BindSection<RegistryDatabaseOptions>(configuration, "Registry").PostConfigure(registry =>
        {
            var defaults = new RegistryDatabaseOptions();
            registry.ConnectionString = Text(registry.ConnectionString);
            registry.Schema = Text(registry.Schema) ?? defaults.Schema;
            registry.Table = Text(registry.Table) ?? defaults.Table;
        });
        services.BindSection<LedgerOptions>(configuration, "Ledger").PostConfigure(ledger =>
        {
            ledger.ConnectionString = Text(ledger.ConnectionString);
            ledger.Schema = Text(ledger.Schema);
            ledger.Table = Text(ledger.Table);
            ledger.VouchersTable = Text(ledger.VouchersTable);
            ledger.Order = Text(ledger.Order);
            ledger.Path = Text(ledger.Path) is { } path ? Path.GetFullPath(path, contentRoot) : null;
            ledger.VouchersPath = Text(ledger.VouchersPath) is { } vouchers ? Path.GetFullPath(vouchers, contentRoot) : null;
        }).ValidateOnStart();
        services.BindSection<RequestLimits>(configuration, "Limits").ValidateOnStart();
        services.BindSection<DownloadOptions>(configuration, "Downloads")
            .PostConfigure(downloads => downloads.Secret = Text(downloads.Secret)).ValidateOnStart();
        services.BindSection<IdempotencyOptions>(configuration, "Idempotency").ValidateOnStart();

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApplicationsOptions>, ApplicationsOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExportsOptions>, ExportsOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LedgerOptions>, LedgerOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RequestLimits>, RequestLimitsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DownloadOptions>, DownloadOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IdempotencyOptions>, IdempotencyOptionsValidator>());
        services.TryAddSingleton(provider => ServerOptions.From(
            provider.GetRequiredService<IOptions<ApplicationsOptions>>().Value,
            provider.GetRequiredService<IOptions<ExportsOptions>>().Value,
            provider.GetRequiredService<IOptions<S3StorageOptions>>().Value,
            provider.GetRequiredService<IOptions<RegistryDatabaseOptions>>().Value,
            provider.GetRequiredService<IOptions<LedgerOptions>>().Value,
            provider.GetRequiredService<IOptions<RequestLimits>>().Value,
            provider.GetRequiredService<IOptions<DownloadOptions>>().Value,
            provider.GetRequiredService<IOptions<IdempotencyOptions>>().Value));
        return services;
    }

    /// <summary>
    /// <c>AddOptions&lt;T&gt;().Bind(section)</c>, where a key set to null (an override that unsets it, e.g. a test's or a
    /// host's <c>Settings</c>) keeps the default as it always has; the binder alone would set the type's zero.
    /// </summary>
    private static OptionsBuilder<T> BindSection<T>(this IServiceCollection services, IConfiguration configuration, string key)
        where T : class, new()
    {
        IConfigurationSection section = configuration.GetSection(key);
        return services.AddOptions<T>().Bind(section).PostConfigure(options =>
        {
            T defaults = new();
            foreach (IConfigurationSection unset in section.GetChildren().Where(c => c.Value is null && !c.GetChildren().Any()))
            {
                PropertyInfo? property = typeof(T).GetProperties().FirstOrDefault(p => p.CanWrite && string.Equals(
                    p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name, unset.Key, StringComparison.OrdinalIgnoreCase));
                property?.SetValue(options, property.GetValue(defaults));
            }
        });
    }

    /// <summary>
    /// The server's options from <paramref name="services"/>, every section bound and checked; a value the binder cannot
    /// convert or a validator refuses throws <see cref="ServerConfigurationException"/> naming the first bad key.
    /// </summary>
    public static ServerOptions Resolve(IServiceProvider services)
    {
        try
        {
            return services.GetRequiredService<ServerOptions>();
        }
        catch (Exception e) when (Translate(e) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>A binding or validation failure as the exception naming its key; null for anything else.</summary>
    public static ServerConfigurationException? Translate(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case ServerConfigurationException named:
                    return named;
                case OptionsValidationException validation when validation.Failures.FirstOrDefault() is { } failure:
                    int colon = failure.IndexOf(": ", StringComparison.Ordinal);
                    return colon > 0
                        ? new ServerConfigurationException(failure[..colon], failure[(colon + 2)..])
                        : new ServerConfigurationException(validation.OptionsName, failure);
                case InvalidOperationException binding when BindingFailure().Match(binding.Message) is { Success: true } match:
                    return new ServerConfigurationException(match.Groups["key"].Value, Unconvertible(match.Groups["value"].Value, match.Groups["type"].Value));
            }
        }

        return null;
    }

    // What a value the binder could not convert should have been, in the words of the documentation.
    private static string Unconvertible(string value, string type) => type switch
    {
        _ when type.Contains("System.Int", StringComparison.Ordinal) => $"'{value}' is not a whole number (or is too large)",
        _ when type.Contains("System.TimeSpan", StringComparison.Ordinal) => $"'{value}' is not a time span such as 00:15:00",
        _ when type.Contains("System.Boolean", StringComparison.Ordinal) => $"must be true or false, not '{value}'",
        _ when type.Contains(nameof(Transactions.MalformedRowPolicy), StringComparison.Ordinal) => $"must be Fail or Skip, not '{value}'",
        _ when type.Contains("System.Uri", StringComparison.Ordinal) => $"'{value}' is not a URL",
        _ => $"'{value}' cannot be read as {type}",
    };

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    // ConfigurationBinder's message (Error_FailedBinding); the value may itself hold quotes, the key and the type do not.
    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'\.$", RegexOptions.Singleline)]
    private static partial Regex BindingFailure();
}

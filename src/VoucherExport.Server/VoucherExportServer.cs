using Microsoft.AspNetCore.Builder;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VoucherExport.Hosting;
using VoucherExport.Registry;
using VoucherExport.Server.OAuth;
using VoucherExport.Server.Operations;

namespace VoucherExport.Server;

/// <summary>
/// The Voucherify-compatible export server (SPEC §6) on Kestrel. <see cref="CreateBuilder"/> then <see cref="Build"/> give a
/// <see cref="WebApplication"/> to start; <see cref="RunAsync"/> does both and runs until cancelled.
/// </summary>
public static partial class VoucherExportServer
{
    /// <summary>
    /// A builder with the server's services and logging. Configuration: appsettings.json in the content root, the environment
    /// (e.g. <c>Applications__myapp=…</c>), <paramref name="args"/>, then <see cref="VoucherExportHostOptions.Settings"/>.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, VoucherExportHostOptions? host = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        host ??= new VoucherExportHostOptions();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = host.ContentRoot });

        // Defaults below every other source, so appsettings.json or the environment can turn them back up.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",

                // ASP.NET's request lines carry the query string, and a download's query string is its credential.
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            },
        });
        if (host.Settings is { Count: > 0 } settings)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.Configure(logging => logging.ActivityTrackingOptions = ActivityTrackingOptions.None);
        builder.Logging.AddSimpleConsole(console =>
        {
            // The export id travels in the log scope; single lines with scopes keep it on every line.
            console.IncludeScopes = true;
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
        });

        TimeProvider time = host.Time ?? TimeProvider.System;
        IServiceCollection services = builder.Services;
        // The server's own keys, bound section by section with the options binder and checked by IValidateOptions at start.
        services.AddServerConfiguration(builder.Configuration, builder.Environment.ContentRootPath);
        services.AddOptions<KestrelServerOptions>().Configure<ServerOptions>((kestrel, options) =>
        {
            kestrel.AddServerHeader = false;

            // A backstop behind the create endpoints' own check, which answers with a clearer 400.
            kestrel.Limits.MaxRequestBodySize = options.Limits.MaxBodyBytes + 1L;
        });

        // The registry, its store, its sinks and its hosted service come from AddVoucherExport, as in any host; the
        // server's keys (Exports:*, Registry:*, S3:*) are bound and checked above and handed over here.
        services.AddSingleton(time);
        AddLedger(services, host);
        services.AddVoucherExport();
        services.AddOptions<VoucherExportOptions>().Configure<ServerOptions>((service, options) => Copy(options.ToServiceOptions(), service));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IExportCompletionListener, ExportLogListener>());
        services.AddSingleton(provider => new ApplicationAuthenticator(provider.GetRequiredService<ServerOptions>().Applications));
        // With a shared registry, OAuth revocations are shared too (a table beside the registry's); else in memory.
        services.TryAddSingleton<IOAuthRevocationStore>(provider =>
            provider.GetRequiredService<ServerOptions>().Registry.ConnectionString is null
                ? new InMemoryOAuthRevocationStore(time)
                : new PostgreSql.PostgresOAuthRevocationStore(
                    provider.GetRequiredService<RegistryDatabase>().DataSource, provider.GetRequiredService<RegistryDatabase>().Options));
        services.AddOAuth(time);
        services.AddSingleton(provider => new DownloadTokens(provider.GetRequiredService<ServerOptions>().Downloads, time));
        services.AddSingleton<IIdempotencyStore>(provider =>
        {
            var options = provider.GetRequiredService<ServerOptions>();
            if (options.Registry.ConnectionString is null)
            {
                return new IdempotencyCache(time, options.IdempotencyRetention);
            }

            var database = provider.GetRequiredService<RegistryDatabase>();
            var store = new PostgresIdempotencyStore(database.DataSource, database.Options.Schema, time, options.IdempotencyRetention);
            store.EnsureCreatedAsync(CancellationToken.None).GetAwaiter().GetResult();
            return store;
        });
        services.AddSingleton<ExportApi>();
        services.AddSingleton<DownloadApi>();
        builder.AddExportOperations(time);
        return builder;
    }

    /// <summary>
    /// Builds the application, checks the configuration and opens the ledger (a bad setting throws
    /// <see cref="ServerConfigurationException"/> here, before anything listens), and maps the endpoints.
    /// </summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        WebApplication app;
        try
        {
            app = builder.Build();
        }
        catch (Exception e) when (ServerConfiguration.Translate(e) is { } named)
        {
            // Building already reads options (Kestrel's limits come from Limits:*): a bad one is reported by its key.
            throw named;
        }

        ServerOptions options;
        try
        {
            options = ServerConfiguration.Resolve(app.Services);
            if (options.UsesDemoApplication)
            {
                RefuseDemoApplicationBeyondLoopback(app.Configuration[WebHostDefaults.ServerUrlsKey]);
            }

            StartParts(app.Services);
        }
        catch
        {
            // Nothing listens yet; release what the container made before the caller sees the configuration error.
            ((IDisposable)app).Dispose();
            throw;
        }

        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(VoucherExportServer).FullName!);
        LogStarting(logger, app.Services.GetService<OpenedLedger>()?.Description ?? "the host's source",
            options.Sink ?? options.DataFolder,
            options.Registry.ConnectionString is { } registry
                ? $"PostgreSQL registry {ServiceParts.RegistrySchema(options.Registry)}.{options.Registry.Table} at {PostgresConnectionString.Describe(PostgresConnectionString.Parse(registry))}"
                : "in-memory registry",
            string.Join(", ", options.Applications.Keys.Order(StringComparer.Ordinal)));
        if (options.UsesDemoApplication)
        {
            LogDemoApplication(logger, ServerOptions.DemoApplicationId, ServerOptions.DemoApplicationToken);
        }

        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseStatusCodePages(context => ServerEndpoints.WriteStatusAsync(context.HttpContext));
        ServerEndpoints.Map(app);
        app.MapExportOperations();
        return app;
    }

    /// <summary>Builds and runs the server until <paramref name="cancellationToken"/> is cancelled (or the process is stopped).</summary>
    public static async Task RunAsync(string[] args, VoucherExportHostOptions? host = null, CancellationToken cancellationToken = default)
    {
        WebApplication app = Build(CreateBuilder(args, host));
        await using (app.ConfigureAwait(false))
        {
            await app.RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // The demo token is printed in the docs: it may only guard a server that nothing but this machine can reach.
    private static void RefuseDemoApplicationBeyondLoopback(string? urls)
    {
        foreach (string url in (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string host = BindingAddress.Parse(url).Host;
            bool loopback = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address));
            if (!loopback)
            {
                throw new ServerConfigurationException("Applications",
                    $"no application is configured, and the demo application is only accepted on loopback addresses, not {url}; configure Applications:<id>=<token>");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving the {Ledger}; exports under {DataFolder}; {Registry}; applications: {Applications}")]
    private static partial void LogStarting(ILogger logger, string ledger, string dataFolder, string registry, string applications);

    // The configured ledger through the opener the command line and hosts share; a host's own source wins.
    private static void AddLedger(IServiceCollection services, VoucherExportHostOptions host)
    {
        if (host.Source is { } given)
        {
            services.AddSingleton(given);
            services.AddSingleton(host.Vouchers ?? Transactions.InMemoryVoucherDirectory.Empty);
            return;
        }

        services.AddSingleton(provider =>
        {
            LedgerOptions options = provider.GetRequiredService<ServerOptions>().Ledger;
            OpenedLedger ledger;
            try
            {
                ledger = LedgerOpener.Open(options.ToLocation());
            }
            catch (ArgumentException e)
            {
                throw new ServerConfigurationException(e.ParamName switch
                {
                    nameof(LedgerLocation.ConnectionString) => "Ledger:ConnectionString",
                    nameof(LedgerLocation.Schema) => "Ledger:Schema",
                    nameof(LedgerLocation.Table) => "Ledger:Table",
                    nameof(LedgerLocation.VouchersTable) => "Ledger:VouchersTable",
                    nameof(LedgerLocation.Partitions) => "Ledger:Partitions",
                    nameof(LedgerLocation.VouchersPath) => "Ledger:Vouchers",
                    nameof(LedgerLocation.DeclaredOrder) => "Ledger:Order",
                    nameof(LedgerLocation.DemoRows) => "Ledger:DemoRows",
                    _ => "Ledger:Path",
                }, e.Message.Split(" (Parameter", 2)[0]);
            }

            try
            {
                LedgerOpener.CheckAsync(ledger).GetAwaiter().GetResult();
            }
            catch (IOException e)
            {
                ledger.Dispose();
                throw new ServerConfigurationException("Ledger:ConnectionString", e.Message);
            }

            return ledger;
        });
        // Ledger:DemoRows = 0 serves an empty demo ledger, as it always has.
        services.AddSingleton(provider => provider.GetRequiredService<OpenedLedger>().Source ?? new Transactions.InMemoryTransactionSource([]));
        services.AddSingleton(provider => provider.GetRequiredService<OpenedLedger>().Vouchers);
    }

    // Opens everything the configuration names before anything listens, so a wrong setting or a server that does not
    // answer stops the start with one line naming the key.
    private static void StartParts(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<ExportRegistry>();
            services.GetRequiredService<IIdempotencyStore>();
        }
        catch (VoucherExportStartException e)
        {
            throw new ServerConfigurationException(ServerOptions.ServerKey(e.Setting), e.Problem);
        }
        catch (Exception e) when (e is OptionsValidationException && ServerConfiguration.Translate(e) is { } named)
        {
            throw named;
        }
        catch (Npgsql.NpgsqlException e)
        {
            throw new ServerConfigurationException("Registry:ConnectionString", $"PostgreSQL failed at start: {e.Message.Split('\n', 2)[0]}");
        }
    }

    private static void Copy(VoucherExportOptions from, VoucherExportOptions to)
    {
        to.DataDirectory = from.DataDirectory;
        to.MaxConcurrentExports = from.MaxConcurrentExports;
        to.MaxChunkBytes = from.MaxChunkBytes;
        to.MaxChunkRows = from.MaxChunkRows;
        to.Compression = from.Compression;
        to.CompressionLevel = from.CompressionLevel;
        to.RetryAttempts = from.RetryAttempts;
        to.RetryDelay = from.RetryDelay;
        to.RetryMaxDelay = from.RetryMaxDelay;
        to.Parallelism = from.Parallelism;
        to.RangeTasks = from.RangeTasks;
        to.HeartbeatInterval = from.HeartbeatInterval;
        to.LeaseDuration = from.LeaseDuration;
        to.DrainTimeout = from.DrainTimeout;
        to.Sink = from.Sink;
        to.S3 = from.S3;
        to.Registry = from.Registry;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "No Applications configured: accepting the demo application {AppId} / {Token}. Configure Applications:<id>=<token> for anything but a local demo.")]
    private static partial void LogDemoApplication(ILogger logger, string appId, string token);
}

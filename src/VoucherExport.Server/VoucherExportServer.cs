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
using VoucherExport.Chunks;
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
        services.AddSingleton(provider => ServerOptions.FromConfiguration(
            provider.GetRequiredService<IConfiguration>(), provider.GetRequiredService<IHostEnvironment>().ContentRootPath));
        services.AddOptions<KestrelServerOptions>().Configure<ServerOptions>((kestrel, options) =>
        {
            kestrel.AddServerHeader = false;

            // A backstop behind the create endpoints' own check, which answers with a clearer 400.
            kestrel.Limits.MaxRequestBodySize = options.Limits.MaxBodyBytes + 1L;
        });
        // The store and the sinks are services, so the console and the health checks see what the registry uses (and a host
        // or a test may register its own first).
        services.TryAddSingleton<IExportStore>(_ => new InMemoryExportStore(time));
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<ServerOptions>();
            var (source, vouchers, _) = host.Source is { } given
                ? (given, host.Vouchers ?? Transactions.InMemoryVoucherDirectory.Empty, "the host's source")
                : LedgerFactory.Open(options.Ledger);
            return new ExportRegistry(
                provider.GetRequiredService<IExportStore>(),
                source,
                provider.GetService<IChunkSinkFactory>() ?? new FileSystemChunkSinkFactory(options.DataFolder),
                new ExportRegistryOptions { MaxConcurrentExports = options.MaxConcurrentExports, Chunks = options.Chunks, Retry = options.Retry },
                vouchers,
                time,
                logger: provider.GetService<ILogger<ExportRegistry>>());
        });
        services.AddSingleton(provider => new ApplicationAuthenticator(provider.GetRequiredService<ServerOptions>().Applications));
        services.AddOAuth(time);
        services.AddSingleton(provider => new DownloadTokens(provider.GetRequiredService<ServerOptions>().Downloads, time));
        services.AddSingleton(provider => new IdempotencyCache(time, provider.GetRequiredService<ServerOptions>().IdempotencyRetention));
        services.AddSingleton<ExportWatcher>();
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
        WebApplication app = builder.Build();
        ServerOptions options;
        try
        {
            options = app.Services.GetRequiredService<ServerOptions>();
            if (options.UsesDemoApplication)
            {
                RefuseDemoApplicationBeyondLoopback(app.Configuration[WebHostDefaults.ServerUrlsKey]);
            }

            app.Services.GetRequiredService<ExportRegistry>();
        }
        catch
        {
            // Nothing listens yet; release what the container made before the caller sees the configuration error.
            ((IDisposable)app).Dispose();
            throw;
        }

        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(VoucherExportServer).FullName!);
        LogStarting(logger, options.Ledger.Path is null
            ? $"demo ledger of {options.Ledger.DemoRows:N0} rows (seed {options.Ledger.DemoSeed})"
            : $"JSON Lines ledger {options.Ledger.Path}", options.DataFolder, string.Join(", ", options.Applications.Keys.Order(StringComparer.Ordinal)));
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving the {Ledger}; exports under {DataFolder}; applications: {Applications}")]
    private static partial void LogStarting(ILogger logger, string ledger, string dataFolder, string applications);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "No Applications configured: accepting the demo application {AppId} / {Token}. Configure Applications:<id>=<token> for anything but a local demo.")]
    private static partial void LogDemoApplication(ILogger logger, string appId, string token);
}

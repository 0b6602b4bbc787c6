using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using VoucherExport.Registry;
using VoucherExport.Server.Operations;

namespace VoucherExport.Server.Health;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (every dependency works), with ASP.NET Core's health
/// checks; what each check probes is in docs/operations.md.
/// </summary>
internal static class HealthEndpoints
{
    public const string Ready = "ready";

    /// <summary>The configuration keys whose PostgreSQL servers readiness pings, when they are set.</summary>
    public static readonly string[] PostgresKeys = ["Registry:ConnectionString", "Ledger:ConnectionString"];

    public static IServiceCollection AddExportHealthChecks(this IServiceCollection services, IConfiguration configuration, TimeProvider time)
    {
        TimeSpan timeout = OperationsSettings.TimeSpanOf(configuration, "Health:Timeout", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        TimeSpan stuckAfter = OperationsSettings.TimeSpanOf(configuration, "Health:StuckAfter", TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        string[] tags = [Ready];
        IHealthChecksBuilder checks = services.AddHealthChecks();
        checks.Add(new HealthCheckRegistration("registry",
            provider => new RegistryHealthCheck(provider.GetRequiredService<IExportStore>(), time, stuckAfter), HealthStatus.Unhealthy, tags, timeout));
        checks.Add(new HealthCheckRegistration("chunk-store",
            provider => new ChunkStoreHealthCheck(provider.GetRequiredService<ExportRegistry>().Sinks), HealthStatus.Unhealthy, tags, timeout));
        checks.Add(new HealthCheckRegistration("data-folder",
            provider => new DataFolderHealthCheck(provider.GetRequiredService<ServerOptions>().DataFolder), HealthStatus.Unhealthy, tags, timeout));
        foreach (string key in PostgresKeys)
        {
            if (OperationsSettings.Text(configuration, key) is { } connectionString)
            {
                // One check object for the host's life: it owns a data source (disposed with the container).
                var check = new PostgresHealthCheck(connectionString, key);
                services.AddSingleton(check);
                checks.Add(new HealthCheckRegistration("postgres-" + key[..key.IndexOf(':', StringComparison.Ordinal)].ToLowerInvariant(),
                    _ => check, HealthStatus.Unhealthy, tags, timeout));
            }
        }

        return services;
    }

    public static IEndpointRouteBuilder MapExportHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        routes.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync });
        return routes;
    }

    /// <summary><c>{"status": "Healthy|Unhealthy", "checks": [{"name", "status", "description", "duration_ms"}]}</c>; 503 when not healthy.</summary>
    private static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("status", report.Status.ToString());
            writer.WriteNumber("duration_ms", Math.Round(report.TotalDuration.TotalMilliseconds, 1));
            writer.WriteStartArray("checks");
            foreach (var (name, entry) in report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("status", entry.Status.ToString());
                writer.WriteString("description", entry.Description ?? entry.Exception?.Message);
                writer.WriteNumber("duration_ms", Math.Round(entry.Duration.TotalMilliseconds, 1));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}

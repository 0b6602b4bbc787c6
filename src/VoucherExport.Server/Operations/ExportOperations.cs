using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VoucherExport.Server.Console;
using VoucherExport.Server.Health;
using VoucherExport.Server.Telemetry;

namespace VoucherExport.Server.Operations;

/// <summary>What operators get on top of the API: the console, health checks, OpenTelemetry export and JSON logs (docs/operations.md).</summary>
internal static class ExportOperations
{
    /// <summary>Registers the console, the health checks, the telemetry, and the JSON console formatter when configured.</summary>
    public static WebApplicationBuilder AddExportOperations(this WebApplicationBuilder builder, TimeProvider time)
    {
        // The simple formatter is the server's default; Logging:Console:FormatterName=json switches to one JSON object per
        // line, with the scopes (ExportId, AppId) and the event names of the lifecycle lines as fields.
        if (string.Equals(OperationsSettings.Text(builder.Configuration, "Logging:Console:FormatterName"), "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true;
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            });
        }

        builder.Services.AddExportConsole(builder.Configuration, time);
        builder.Services.AddExportHealthChecks(builder.Configuration, time);
        builder.Services.AddExportTelemetry(builder.Configuration, time);
        return builder;
    }

    /// <summary>Maps <c>/console</c>, <c>/health/live</c> and <c>/health/ready</c>, and starts the queue gauges.</summary>
    public static WebApplication MapExportOperations(this WebApplication app)
    {
        app.Services.GetRequiredService<QueueGauges>();
        app.MapExportConsole();
        app.MapExportHealth();
        return app;
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace VoucherExport.Server.Console;

/// <summary>Registers and maps the operator's console at <c>/console</c> (see docs/operations.md).</summary>
internal static class ConsoleEndpoints
{
    public static IServiceCollection AddExportConsole(this IServiceCollection services, IConfiguration configuration, TimeProvider time)
    {
        services.AddSingleton(_ => ConsoleOptions.FromConfiguration(configuration));
        services.AddSingleton(provider =>
        {
            var console = provider.GetRequiredService<ConsoleOptions>();
            return new ConsoleSessions(provider.GetRequiredService<ServerOptions>().Downloads.Secret, console.Token, console.SessionLifetime, time);
        });
        services.AddSingleton(provider => ActivatorUtilities.CreateInstance<ConsoleApi>(provider, time));
        return services;
    }

    public static IEndpointRouteBuilder MapExportConsole(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/console", (HttpContext context, ConsoleApi console) => console.Page(context));
        routes.MapGet("/console/assets/{name}", (HttpContext context, string name) =>
            name is "console.css" or "console.js" ? ConsoleAssets.Result(context, name) : Results.NotFound());
        routes.MapPost("/console/login", (HttpContext context, ConsoleApi console) => console.LoginAsync(context)).DisableAntiforgery();
        routes.MapPost("/console/logout", (HttpContext context, ConsoleApi console) => console.Logout(context)).DisableAntiforgery();
        routes.MapGet("/console/api/state", (HttpContext context, ConsoleApi console) => console.StateAsync(context));
        routes.MapPost("/console/api/exports/{id}/cancel", (HttpContext context, string id, ConsoleApi console) => console.CancelAsync(context, id));
        routes.MapDelete("/console/api/exports/{id}", (HttpContext context, string id, ConsoleApi console) => console.DeleteAsync(context, id));
        return routes;
    }
}

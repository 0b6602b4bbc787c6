using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VoucherExport.Registry;

namespace VoucherExport.Server.Console;

/// <summary>
/// The console's endpoints: the page (static, from the assembly), sign-in and out, the state the page polls, and cancel
/// and delete. Everything the page shows comes as JSON and is put on the page as text, never as markup.
/// </summary>
internal sealed partial class ConsoleApi(
    IServiceProvider services,
    ConsoleOptions options,
    ConsoleSessions sessions,
    TimeProvider time,
    ILogger<ConsoleApi> logger)
{
    /// <summary>The header every change (cancel, delete) must carry: a cross-site form cannot send it.</summary>
    public const string RequestHeader = "X-Console-Request";

    private ServerOptions Server => services.GetRequiredService<ServerOptions>();

    private ExportRegistry Registry => services.GetRequiredService<ExportRegistry>();

    /// <summary>The viewer of the request: a valid sign-in cookie, or the demo application on loopback; else null.</summary>
    public ConsoleViewer? ViewerOf(HttpContext context)
    {
        if (sessions.Read(context.Request.Cookies[ConsoleSessions.CookieName]) is { } signedIn)
        {
            return signedIn;
        }

        // As the demo API: the demo application exists only on a server bound to loopback, and then needs no sign-in.
        IPAddress? remote = context.Connection.RemoteIpAddress;
        return options.Token is null && Server.UsesDemoApplication && remote is not null && IPAddress.IsLoopback(remote)
            ? ConsoleViewer.Of(ServerOptions.DemoApplicationId)
            : null;
    }

    /// <summary><c>GET /console</c>: the console, or the sign-in page.</summary>
    public IResult Page(HttpContext context) =>
        ConsoleAssets.Result(context, ViewerOf(context) is null ? "login.html" : "console.html");

    /// <summary><c>POST /console/login</c> (form: <c>app_id</c>, <c>token</c>): the console token, or an application's credentials.</summary>
    public async Task<IResult> LoginAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return Results.Redirect("/console?failed=1", permanent: false);
        }

        IFormCollection form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        string token = form["token"].ToString().Trim();
        string appId = form["app_id"].ToString().Trim();
        ConsoleViewer? viewer = null;
        if (token.Length > 0 && appId.Length == 0 && options.Token is { } consoleToken
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(token)), SHA256.HashData(Encoding.UTF8.GetBytes(consoleToken))))
        {
            viewer = ConsoleViewer.Everyone;
        }
        else if (token.Length > 0 && AuthenticateApplication(appId, token) is { } app)
        {
            viewer = ConsoleViewer.Of(app);
        }

        if (viewer is null)
        {
            LogSignInRefused(logger, context.Connection.RemoteIpAddress?.ToString() ?? "?");
            return Results.Redirect("/console?failed=1", permanent: false);
        }

        LogSignedIn(logger, viewer.Label);
        context.Response.Cookies.Append(ConsoleSessions.CookieName, sessions.Issue(viewer), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/console",
            MaxAge = sessions.Lifetime,
        });
        return Results.Redirect("/console", permanent: false);
    }

    /// <summary><c>POST /console/logout</c>.</summary>
    public IResult Logout(HttpContext context)
    {
        context.Response.Cookies.Delete(ConsoleSessions.CookieName, new CookieOptions { Path = "/console" });
        return Results.Redirect("/console", permanent: false);
    }

    /// <summary><c>GET /console/api/state</c>: the queue and the newest exports of the viewer's applications.</summary>
    public async Task<IResult> StateAsync(HttpContext context)
    {
        ConsoleViewer viewer = Require(context);
        CancellationToken cancellationToken = context.RequestAborted;
        if (services.GetRequiredService<IExportStore>() is not IExportStoreMonitor monitor)
        {
            throw new ApiException(new VoucherExport.Parameters.VoucherifyError(501, "not_implemented", "Not implemented",
                "the export store does not answer the console's queries (IExportStoreMonitor)"));
        }

        DateTimeOffset now = time.GetUtcNow();
        ExportStoreOverview overview = await monitor.GetOverviewAsync(viewer.AppIds, now, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<ExportRecord> records = await monitor.ListRecentAsync(viewer.AppIds, options.MaxExports, cancellationToken).ConfigureAwait(false);

        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("viewer", viewer.Label);
            writer.WriteBoolean("signed_in", sessions.Read(context.Request.Cookies[ConsoleSessions.CookieName]) is not null);
            writer.WriteString("now", Timestamp(now));
            writer.WriteNumber("refresh_ms", (long)options.RefreshInterval.TotalMilliseconds);
            writer.WriteStartObject("queue");
            writer.WriteNumber("scheduled", overview.Scheduled);
            WriteTimestamp(writer, "oldest_scheduled_at", overview.OldestScheduledAt);
            writer.WriteNumber("expired_leases", overview.ExpiredLeases);
            writer.WriteStartArray("instances");
            foreach (InstanceLoad load in overview.Running)
            {
                writer.WriteStartObject();
                writer.WriteString("instance", load.Instance);
                writer.WriteNumber("running", load.Running);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteStartArray("exports");
            foreach (ExportRecord record in records)
            {
                await WriteExportAsync(writer, context, record, cancellationToken).ConfigureAwait(false);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        context.Response.Headers.CacheControl = "no-store";
        return new JsonBodyResult(buffer.WrittenSpan.ToArray());
    }

    /// <summary><c>POST /console/api/exports/{id}/cancel?app=</c>: 204, or 404 / 409 when it is gone or final.</summary>
    public async Task<IResult> CancelAsync(HttpContext context, string exportId)
    {
        string app = RequireChange(context, exportId);
        using var scope = ServerLog.ExportScope(logger, exportId);
        ExportObject export = await Registry.GetAsync(app, exportId, context.RequestAborted).ConfigureAwait(false)
            ?? throw ApiException.ExportNotFound(exportId);
        if (!await Registry.CancelAsync(app, exportId, context.RequestAborted).ConfigureAwait(false))
        {
            throw new ApiException(new VoucherExport.Parameters.VoucherifyError(409, "export_final", "Export already ended",
                $"export {exportId} is {ExportStateMachine.Name(export.Status)} already; only a scheduled or running export can be cancelled"));
        }

        LogCancelled(logger, app);
        return Results.NoContent();
    }

    /// <summary><c>DELETE /console/api/exports/{id}?app=</c>: as the API's delete (cancels, removes the files).</summary>
    public async Task<IResult> DeleteAsync(HttpContext context, string exportId)
    {
        string app = RequireChange(context, exportId);
        using var scope = ServerLog.ExportScope(logger, exportId);
        if (!await Registry.DeleteAsync(app, exportId, context.RequestAborted).ConfigureAwait(false))
        {
            throw ApiException.ExportNotFound(exportId);
        }

        LogDeleted(logger, app);
        return Results.NoContent();
    }

    private ConsoleViewer Require(HttpContext context) =>
        ViewerOf(context) ?? throw ApiException.Unauthorized("sign in to the console first (Console:Token or an application's credentials)");

    private string RequireChange(HttpContext context, string exportId)
    {
        ConsoleViewer viewer = Require(context);
        if (context.Request.Headers[RequestHeader].Count != 1)
        {
            throw new ApiException(new VoucherExport.Parameters.VoucherifyError(403, "forbidden", "Forbidden",
                $"console changes need the {RequestHeader} header (the page sends it; a cross-site form cannot)"));
        }

        string app = context.Request.Query["app"].ToString();
        if (app.Length == 0 || !viewer.Sees(app) || !ExportIds.IsWellFormed(exportId))
        {
            throw ApiException.ExportNotFound(exportId);
        }

        return app;
    }

    // The form's credentials go through the API's own authenticator, so the console accepts exactly what the API does.
    private string? AuthenticateApplication(string appId, string token)
    {
        var probe = new DefaultHttpContext();
        if (appId.Length > 0)
        {
            probe.Request.Headers[ApplicationAuthenticator.AppIdHeader] = appId;
        }

        probe.Request.Headers[ApplicationAuthenticator.AppTokenHeader] = token;
        return services.GetRequiredService<ApplicationAuthenticator>().TryAuthenticate(probe.Request, out string app, out _) ? app : null;
    }

    private async Task WriteExportAsync(Utf8JsonWriter writer, HttpContext context, ExportRecord record, CancellationToken cancellationToken)
    {
        ExportJob job = record.Job;
        ExportObject export = job.Export;
        if (export.Status == ExportStatus.InProgress
            && await Registry.GetAsync(job.AppId, export.Id, cancellationToken).ConfigureAwait(false) is { } live)
        {
            // This instance runs it: its progress is the live one, not the last heartbeat's.
            export = live;
        }

        string? token = export.Result is null ? null : services.GetRequiredService<DownloadTokens>().Mint(export.Id, job.AppId);
        using JsonDocument stored = JsonDocument.Parse(ExportJson.ToUtf8(export, indented: false));
        JsonElement root = stored.RootElement;

        writer.WriteStartObject();
        writer.WriteString("id", export.Id);
        writer.WriteString("app_id", job.AppId);
        writer.WriteString("status", ExportStateMachine.Name(export.Status));
        writer.WriteString("channel", export.Channel);
        writer.WriteString("scope", Scope(root.GetProperty("parameters")));
        writer.WriteString("created_at", Timestamp(export.CreatedAt));
        WriteTimestamp(writer, "started_at", record.StartedAt);
        WriteTimestamp(writer, "finished_at", record.FinishedAt);
        writer.WriteNumber("attempts", record.Attempts);
        writer.WriteString("worker", record.LeaseOwner);
        WriteTimestamp(writer, "lease_expires_at", record.LeaseExpiresAt);
        writer.WritePropertyName("parameters");
        root.GetProperty("parameters").WriteTo(writer);
        writer.WritePropertyName("progress");
        if (root.TryGetProperty("progress", out JsonElement progress) && progress.ValueKind == JsonValueKind.Object)
        {
            // As the export's JSON has it: rows, bytes, chunks, and whatever a newer engine adds (e.g. a phase).
            progress.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WritePropertyName("error");
        if (root.TryGetProperty("error", out JsonElement error) && error.ValueKind == JsonValueKind.Object)
        {
            error.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WritePropertyName("result");
        if (export.Result is { } result)
        {
            string exportPath = $"{context.Request.PathBase}/v1/exports/{export.Id}";
            writer.WriteStartObject();
            writer.WriteNumber("rows", result.Rows);
            writer.WriteNumber("bytes", result.Bytes);
            writer.WriteNumber("skipped_rows", result.SkippedRows);
            writer.WriteString("url", $"{exportPath}?token={token}");
            writer.WriteStartArray("chunks");
            for (int i = 0; i < result.Chunks.Count; i++)
            {
                var chunk = result.Chunks[i].Info;
                writer.WriteStartObject();
                writer.WriteNumber("number", i + 1);
                writer.WriteString("name", chunk.Name);
                writer.WriteNumber("rows", chunk.Rows);
                writer.WriteNumber("bytes", chunk.Bytes);
                writer.WriteString("sha256", chunk.Sha256);
                writer.WriteString("url", $"{exportPath}/chunks/{(i + 1).ToString(CultureInfo.InvariantCulture)}?token={token}");
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteEndObject();
    }

    /// <summary>What the export covers, read back from the filter its route added (SPEC §6).</summary>
    internal static string Scope(JsonElement parameters)
    {
        // "junction" alone (the echo of an export asked for without filters) filters nothing.
        if (!parameters.TryGetProperty("filters", out JsonElement filters) || filters.ValueKind != JsonValueKind.Object
            || !filters.EnumerateObject().Any(p => p.Name != "junction"))
        {
            return "all transactions";
        }

        foreach (var (field, label) in new[] { ("voucher_id", "voucher"), ("campaign_id", "campaign") })
        {
            if (filters.TryGetProperty(field, out JsonElement clause) && clause.TryGetProperty("conditions", out JsonElement conditions)
                && conditions.TryGetProperty("$in", out JsonElement values) && values.ValueKind == JsonValueKind.Array
                && values.GetArrayLength() == 1 && values[0].ValueKind == JsonValueKind.String)
            {
                return $"{label} {values[0].GetString()}";
            }
        }

        return "all transactions, filtered";
    }

    private static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteTimestamp(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            writer.WriteString(name, Timestamp(v));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Console sign-in: {Viewer}")]
    private static partial void LogSignedIn(ILogger logger, string viewer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console sign-in refused from {Remote}")]
    private static partial void LogSignInRefused(ILogger logger, string remote);

    [LoggerMessage(Level = LogLevel.Information, Message = "Export cancelled from the console (application {AppId})")]
    private static partial void LogCancelled(ILogger logger, string appId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Export deleted from the console (application {AppId})")]
    private static partial void LogDeleted(ILogger logger, string appId);
}

using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using VoucherExport.Registry;

namespace VoucherExport.Server;

/// <summary>The authenticated side of SPEC §6: create, get, list and delete exports, each application seeing only its own.</summary>
internal sealed partial class ExportApi(
    ExportRegistry registry,
    ServerOptions options,
    OAuth.RequestAuthenticator authenticator,
    DownloadTokens tokens,
    IIdempotencyStore idempotency,
    ILogger<ExportApi> logger)
{
    private readonly CreateRequestReader _reader = new(options.Limits);

    public Task<IResult> CreateForVoucherAsync(HttpContext context, string code) =>
        CreateAsync(context, (app, body, ct) =>
            registry.CreateVoucherTransactionsExportAsync(app, code, _reader.ScopedParameters(body), ct));

    public Task<IResult> CreateForCampaignAsync(HttpContext context, string campaignId) =>
        CreateAsync(context, (app, body, ct) =>
            registry.CreateCampaignTransactionsExportAsync(app, campaignId, _reader.ScopedParameters(body), ct));

    public Task<IResult> CreateForLoyaltyCampaignAsync(HttpContext context, string campaignId) =>
        CreateAsync(context, (app, body, ct) =>
            registry.CreateLoyaltyCampaignTransactionsExportAsync(app, campaignId, _reader.ScopedParameters(body), ct));

    public Task<IResult> CreateForMemberAsync(HttpContext context, string? campaignId, string memberId) =>
        CreateAsync(context, (app, body, ct) =>
            registry.CreateLoyaltyMemberTransactionsExportAsync(app, campaignId, memberId, _reader.ScopedParameters(body), ct));

    public Task<IResult> CreateGenericAsync(HttpContext context) =>
        CreateAsync(context, (app, body, ct) => registry.CreateExportAsync(app, _reader.GenericBody(body), ct));

    /// <summary><c>GET /v1/exports/{id}</c>: the export, with fresh download URLs when it is DONE.</summary>
    public async Task<IResult> GetAsync(HttpContext context, string exportId)
    {
        string app = await authenticator.AuthenticateAsync(context).ConfigureAwait(false);
        using var scope = ServerLog.ExportScope(logger, exportId);
        ExportObject export = (ExportIds.IsWellFormed(exportId)
            ? await registry.GetAsync(app, exportId, context.RequestAborted).ConfigureAwait(false)
            : null) ?? throw ApiException.ExportNotFound(exportId);
        return new JsonBodyResult(ExportJson.ToUtf8(WithDownloadUrls(context, export, app), indented: false));
    }

    /// <summary><c>GET /v1/exports?limit=&amp;page=&amp;order=</c>.</summary>
    public async Task<IResult> ListAsync(HttpContext context)
    {
        string app = await authenticator.AuthenticateAsync(context).ConfigureAwait(false);
        IQueryCollection query = context.Request.Query;
        int limit = QueryNumber(query, "limit", 10, 1, 100);
        int page = QueryNumber(query, "page", 1, 1, int.MaxValue);
        ExportListOrder order = QueryText(query, "order") switch
        {
            null or "-created_at" => ExportListOrder.CreatedAtDescending,
            "created_at" => ExportListOrder.CreatedAtAscending,
            "status" => ExportListOrder.StatusAscending,
            "-status" => ExportListOrder.StatusDescending,
            var other => throw ApiException.InvalidPayload("order", $"'{other}' is not one of created_at, -created_at, status, -status"),
        };

        ExportPage found = await registry.ListAsync(app, limit, page, order, context.RequestAborted).ConfigureAwait(false);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteString("data_ref", "exports");
            writer.WriteStartArray("exports");
            foreach (ExportObject export in found.Exports)
            {
                ExportJson.Write(writer, WithDownloadUrls(context, export, app));
            }

            writer.WriteEndArray();
            writer.WriteNumber("total", found.Total);
            writer.WriteEndObject();
        }

        return new JsonBodyResult(buffer.WrittenSpan.ToArray());
    }

    /// <summary><c>DELETE /v1/exports/{id}</c>: cancels it if it runs, deletes its files; 204.</summary>
    public async Task<IResult> DeleteAsync(HttpContext context, string exportId)
    {
        string app = await authenticator.AuthenticateAsync(context).ConfigureAwait(false);
        using var scope = ServerLog.ExportScope(logger, exportId);
        if (!ExportIds.IsWellFormed(exportId) || !await registry.DeleteAsync(app, exportId, context.RequestAborted).ConfigureAwait(false))
        {
            throw ApiException.ExportNotFound(exportId);
        }

        LogDeleted(logger, app);
        return Results.NoContent();
    }

    private async Task<IResult> CreateAsync(HttpContext context, Func<string, JsonDocument?, CancellationToken, Task<ExportObject>> create)
    {
        string app = await authenticator.AuthenticateAsync(context).ConfigureAwait(false);
        CancellationToken cancellationToken = context.RequestAborted;
        byte[] body = await _reader.ReadBodyAsync(context.Request, cancellationToken).ConfigureAwait(false);

        async Task<byte[]> RunAsync()
        {
            using JsonDocument? document = CreateRequestReader.Parse(body);
            // The registry logs the creation (ExportCreated, with the application); one line per lifecycle event.
            ExportObject created = await create(app, document, cancellationToken).ConfigureAwait(false);

            return ExportJson.ToUtf8(created, indented: false);
        }

        if (QueryText(context.Request.Headers, IdempotencyCache.Header) is not { } key)
        {
            return new JsonBodyResult(await RunAsync().ConfigureAwait(false));
        }

        IdempotencyCache.Validate(key);
        byte[] fingerprint = IdempotencyCache.Fingerprint(context.Request.Method, context.Request.Path.Value ?? "", body);
        var (response, replayed) = await idempotency.RunAsync(app, key, fingerprint, RunAsync, cancellationToken).ConfigureAwait(false);
        if (replayed)
        {
            context.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return new JsonBodyResult(response);
    }

    /// <summary>The export with <c>result.url</c> and each <c>result.chunks[].url</c> replaced by a freshly signed download URL.</summary>
    private ExportObject WithDownloadUrls(HttpContext context, ExportObject export, string app)
    {
        if (export.Result is not { } result)
        {
            return export;
        }

        string token = tokens.Mint(export.Id, app);
        string baseUrl = options.Downloads.BaseUrl is { } configured
            ? configured.AbsoluteUri.TrimEnd('/')
            : $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}";
        string exportUrl = $"{baseUrl}/v1/exports/{export.Id}";
        var chunks = new ExportChunk[result.Chunks.Count];
        for (int i = 0; i < chunks.Length; i++)
        {
            chunks[i] = result.Chunks[i] with { Url = $"{exportUrl}/chunks/{i + 1}?token={token}" };
        }

        return export with { Result = result with { Url = $"{exportUrl}?token={token}", Chunks = chunks } };
    }

    private static int QueryNumber(IQueryCollection query, string name, int fallback, int min, int max)
    {
        if (QueryText(query, name) is not { } text)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw ApiException.InvalidPayload(name, max == int.MaxValue
                ? $"'{text}' is not a whole number of {min} or more"
                : $"'{text}' is not a whole number from {min} to {max}");
    }

    private static string? QueryText(IQueryCollection query, string name) => Single(query[name], name);

    private static string? QueryText(IHeaderDictionary headers, string name) => Single(headers[name], name);

    private static string? Single(StringValues values, string name) => values.Count switch
    {
        0 => null,
        1 => values[0],
        _ => throw ApiException.InvalidPayload(name, "is given more than once"),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Export deleted by application {AppId}")]
    private static partial void LogDeleted(ILogger logger, string appId);
}

using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using VoucherExport.Parameters;

namespace VoucherExport.Server.OAuth;

/// <summary>
/// Voucherify's OAuth 2.0 endpoints (oauth.json): <c>POST /v1/oauth/token</c>, <c>POST /v1/oauth/introspect</c> and
/// <c>POST /v1/oauth/token/revoke</c>, each authenticated with the application's API key and a form body.
/// </summary>
internal sealed partial class OAuthApi(ApplicationAuthenticator keys, OAuthTokens tokens, ILogger<OAuthApi> logger)
{
    /// <summary>Maps the three routes.</summary>
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/oauth/token", (HttpContext context, OAuthApi api) => api.TokenAsync(context));
        routes.MapPost("/v1/oauth/introspect", (HttpContext context, OAuthApi api) => api.IntrospectAsync(context));
        routes.MapPost("/v1/oauth/token/revoke", (HttpContext context, OAuthApi api) => api.RevokeAsync(context));
    }

    /// <summary><c>grant_type=client_credentials&amp;scope=…</c> → a token of the calling application.</summary>
    public async Task<IResult> TokenAsync(HttpContext context)
    {
        string app = Authenticate(context);
        IFormCollection form = await ReadFormAsync(context).ConfigureAwait(false);
        string? grant = Field(form, "grant_type");
        if (grant != "client_credentials")
        {
            throw new ApiException(new VoucherifyError(400, "invalid_grant_type", "Invalid grant_type", grant is null
                ? "grant_type: is required and must be client_credentials"
                : $"grant_type: must be client_credentials, not '{grant}'"));
        }

        string? scope = Field(form, "scope");
        if (!OAuthScopes.TryParse(scope, out string[] scopes, out string problem))
        {
            throw new ApiException(new VoucherifyError(400, "invalid_scope", string.IsNullOrWhiteSpace(scope) ? "Invalid scope" : $"Invalid scope: {scope}", problem));
        }

        var (text, token) = tokens.Issue(app, scopes);
        LogIssued(logger, app, token.Scope, Convert.ToHexStringLower(token.TokenIdHash().AsSpan(0, 6)));
        return Json(writer => WriteToken(writer, text, token, tokens.SecondsLeft(token)));
    }

    /// <summary><c>access_token=…</c> → the token's details and <c>active: true</c>, or just <c>{"active": false}</c>.</summary>
    public async Task<IResult> IntrospectAsync(HttpContext context)
    {
        string app = Authenticate(context);
        string text = RequiredToken(await ReadFormAsync(context).ConfigureAwait(false));
        var (state, token) = await tokens.CheckAsync(text, context.RequestAborted).ConfigureAwait(false);

        // Another application's token is as unknown to this one as a token that never existed.
        if (state != OAuthTokenState.Active || token!.AppId != app)
        {
            return Json(writer => writer.WriteBoolean("active", false));
        }

        return Json(writer =>
        {
            WriteToken(writer, text, token, tokens.SecondsLeft(token));
            writer.WriteBoolean("active", true);
        });
    }

    /// <summary><c>access_token=…</c> → 204 once revoked everywhere; 404 for a token that is unknown or no longer active.</summary>
    public async Task<IResult> RevokeAsync(HttpContext context)
    {
        string app = Authenticate(context);
        string text = RequiredToken(await ReadFormAsync(context).ConfigureAwait(false));
        var (state, token) = await tokens.CheckAsync(text, context.RequestAborted).ConfigureAwait(false);
        if (state != OAuthTokenState.Active || token!.AppId != app || !await tokens.RevokeAsync(token, context.RequestAborted).ConfigureAwait(false))
        {
            throw new ApiException(new VoucherifyError(404, "not_found", "Resource not found",
                "Cannot find an active OAuth token of this application with this access_token") { ResourceType = "oauth_token" });
        }

        LogRevoked(logger, app, Convert.ToHexStringLower(token.TokenIdHash().AsSpan(0, 6)));
        return Results.NoContent();
    }

    // The OAuth endpoints take the API key only (oauth.json: security X-App-Id + X-App-Token), never an OAuth token.
    private string Authenticate(HttpContext context) =>
        keys.TryAuthenticate(context.Request, out string app, out string problem) ? app : throw ApiException.Unauthorized(problem);

    private static async Task<IFormCollection> ReadFormAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        if (!request.HasFormContentType)
        {
            throw new ApiException(new VoucherifyError(415, "unsupported_media_type", "Unsupported media type",
                $"Content-Type: '{request.ContentType}' is not application/x-www-form-urlencoded, which the OAuth endpoints take"));
        }

        try
        {
            return await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw ApiException.InvalidPayload("body", $"is not a readable form: {e.Message}");
        }
    }

    private static string? Field(IFormCollection form, string name)
    {
        StringValues values = form[name];
        return values.Count switch
        {
            0 => null,
            1 => values[0],
            _ => throw ApiException.InvalidPayload(name, "is given more than once"),
        };
    }

    private static string RequiredToken(IFormCollection form) =>
        Field(form, "access_token") is { Length: > 0 } text
            ? text
            : throw new ApiException(new VoucherifyError(400, "missing_parameters", "Missing parameters", "access_token: is required"));

    private static void WriteToken(Utf8JsonWriter writer, string text, OAuthAccessToken token, long secondsLeft)
    {
        writer.WriteString("access_token", text);
        writer.WriteString("client_id", token.AppId);
        writer.WriteNumber("expires_at", token.ExpiresAt.ToUnixTimeSeconds());
        writer.WriteNumber("expires_in", secondsLeft);
        writer.WriteString("scope", token.Scope);
        writer.WriteString("token_type", "Bearer");
    }

    private static JsonBodyResult Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return new JsonBodyResult(buffer.WrittenSpan.ToArray());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "OAuth token issued to application {AppId} for scope '{Scope}' (id hash {IdHash}…)")]
    private static partial void LogIssued(ILogger logger, string appId, string scope, string idHash);

    [LoggerMessage(Level = LogLevel.Information, Message = "OAuth token revoked by application {AppId} (id hash {IdHash}…)")]
    private static partial void LogRevoked(ILogger logger, string appId, string idHash);
}

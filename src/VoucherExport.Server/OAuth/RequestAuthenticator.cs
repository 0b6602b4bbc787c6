using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using VoucherExport.Parameters;

namespace VoucherExport.Server.OAuth;

/// <summary>
/// The application an API request speaks for. An OAuth token from <c>POST /v1/oauth/token</c> in
/// <c>Authorization: Bearer</c> is checked (signature, expiry, revocation) and must allow the route by its scope; it may be
/// sent alone, or beside <c>X-App-Id</c> / <c>X-App-Token</c> (as Voucherify's pages and SDK send it), which must then be
/// the same application's. Any other credentials go to <see cref="ApplicationAuthenticator"/> (API keys).
/// </summary>
internal sealed class RequestAuthenticator(ApplicationAuthenticator keys, OAuthTokens tokens)
{
    /// <summary>The application of <paramref name="context"/>'s request, or an <see cref="ApiException"/> (401, or 403 for a scope).</summary>
    public async ValueTask<string> AuthenticateAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        HttpRequest request = context.Request;
        string? bearer = Bearer(request.Headers.Authorization);
        if (!OAuthTokenCodec.LooksLikeToken(bearer))
        {
            return keys.TryAuthenticate(request, out string app, out string problem) ? app : throw ApiException.Unauthorized(problem);
        }

        var (state, token) = await tokens.CheckAsync(bearer, context.RequestAborted).ConfigureAwait(false);
        if (state == OAuthTokenState.Invalid)
        {
            // An API key may happen to start like a token; it still counts as one.
            return keys.TryAuthenticate(request, out string app, out _)
                ? app
                : throw ApiException.Unauthorized("the Bearer token is not a valid OAuth token of this server");
        }

        if (state == OAuthTokenState.Expired)
        {
            throw ApiException.Unauthorized(
                $"the OAuth token expired at {Registry.ExportJson.FormatTimestamp(token!.ExpiresAt)}; POST /v1/oauth/token gives a new one");
        }

        if (state == OAuthTokenState.Revoked)
        {
            throw ApiException.Unauthorized("the OAuth token was revoked");
        }

        string appId = token!.AppId;

        // Voucherify: tokens stop working when their API key is deleted. Here: when the application is no longer configured.
        if (!keys.IsConfigured(appId))
        {
            throw ApiException.Unauthorized("the OAuth token's application is no longer configured on this server");
        }

        if (Header(request, ApplicationAuthenticator.AppIdHeader) is { } id && id != appId)
        {
            throw ApiException.Unauthorized("the OAuth token belongs to another application than X-App-Id names");
        }

        if (Header(request, ApplicationAuthenticator.AppTokenHeader) is { } key && !keys.IsKeyOf(appId, key))
        {
            throw ApiException.Unauthorized("X-App-Token is not the API key of the OAuth token's application");
        }

        string? required = OAuthScopes.RequiredFor(request.Path);
        if (!OAuthScopes.Allows(token.Scopes, required))
        {
            throw new ApiException(new VoucherifyError(403, "forbidden", "Forbidden",
                $"the OAuth token's scope '{token.Scope}' does not allow {request.Method} {request.Path}; it needs 'api'"
                + (required is null ? "" : $" or '{required}'")));
        }

        return appId;
    }

    /// <summary>The token of <c>Authorization: Bearer &lt;token&gt;</c>, or null (several headers and other schemes are the key check's to refuse).</summary>
    private static string? Bearer(StringValues authorization) =>
        Single(authorization) is { } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value[7..].Trim() : null;

    private static string? Header(HttpRequest request, string name) => request.Headers[name].Count > 1
        ? throw ApiException.Unauthorized($"the {name} header is sent more than once")
        : Single(request.Headers[name]);

    private static string? Single(StringValues values) =>
        values.Count == 1 && !string.IsNullOrWhiteSpace(values[0]) ? values[0]!.Trim() : null;
}

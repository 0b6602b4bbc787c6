using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace VoucherExport.Server.OAuth;

/// <summary>
/// OAuth scopes as Voucherify's OpenAPI defines them (oauth.json, the <c>scope</c> of <c>POST /v1/oauth/token</c>; the
/// <c>X-Voucherify-OAuth</c> security scheme): <c>api</c> opens the whole server-side API, and each other scope the routes
/// under its own <c>/v1/&lt;scope&gt;</c> prefix. Every export operation there lists <c>["api", "&lt;its prefix&gt;"]</c>.
/// </summary>
internal static class OAuthScopes
{
    /// <summary>Opens every route of the server-side API.</summary>
    public const string Api = "api";

    /// <summary>The values Voucherify's <c>POST /v1/oauth/token</c> accepts; a token may name any of them.</summary>
    public static readonly FrozenSet<string> Known = FrozenSet.Create(StringComparer.Ordinal,
        "api", "assets", "async-actions", "campaigns", "categories", "client_api", "client_consents", "client_customers",
        "client_events", "client_promotions", "client_publish", "client_qualifications", "client_redeem", "client_redemptions",
        "client_validate", "client_validations", "client_vouchers", "consents", "customers", "events", "exports", "locations",
        "loyalties", "metadata-schemas", "orders", "product-collections", "products", "promotions", "publications",
        "qualifications", "redemptions", "referrals", "rewards", "segments", "skus", "task-results", "templates", "trash-bin",
        "validation-rules-assignments", "validation-rules", "validations", "vouchers");

    /// <summary>The routes this server has, by the scope besides <c>api</c> that opens them.</summary>
    private static readonly FrozenSet<string> s_served = FrozenSet.Create(StringComparer.Ordinal, "exports", "vouchers", "campaigns", "loyalties");

    /// <summary>
    /// The scope list of a token request: space-separated known scopes, each once (order kept). False with the 400's details
    /// for a missing or empty scope, commas, or a name Voucherify does not define.
    /// </summary>
    public static bool TryParse(string? text, out string[] scopes, out string problem)
    {
        scopes = [];
        problem = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "scope: is required, space-separated, e.g. 'api' or 'exports vouchers'";
            return false;
        }

        if (text.Contains(',', StringComparison.Ordinal))
        {
            problem = $"scope: separate the values with spaces, not commas ('{text}')";
            return false;
        }

        var list = new List<string>();
        foreach (string scope in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Known.Contains(scope))
            {
                problem = $"scope: '{scope}' is not a scope; allowed: {string.Join(", ", Known.Order(StringComparer.Ordinal))}";
                return false;
            }

            if (!list.Contains(scope))
            {
                list.Add(scope);
            }
        }

        scopes = [.. list];
        return true;
    }

    /// <summary>The scope besides <c>api</c> that opens <paramref name="path"/> (its first segment after <c>/v1/</c>), or null.</summary>
    public static string? RequiredFor(PathString path)
    {
        string value = path.Value ?? "";
        if (!value.StartsWith("/v1/", StringComparison.Ordinal))
        {
            return null;
        }

        int end = value.IndexOf('/', 4);
        string first = end < 0 ? value[4..] : value[4..end];
        return s_served.Contains(first) ? first : null;
    }

    /// <summary>Whether a token of <paramref name="granted"/> may call a route that <paramref name="required"/> opens.</summary>
    public static bool Allows(IReadOnlyList<string> granted, string? required) =>
        granted.Contains(Api) || (required is not null && granted.Contains(required));
}

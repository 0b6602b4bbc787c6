using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace VoucherExport.Server;

/// <summary>
/// Finds the application a request speaks for: <c>X-App-Id</c> + <c>X-App-Token</c>, or <c>Authorization: Bearer</c>
/// (alone, or with <c>X-App-Id</c>). When several credentials are sent they must agree. Tokens are compared as SHA-256
/// digests in constant time, and every configured token is compared when the id is not given, so timing says nothing.
/// </summary>
internal sealed class ApplicationAuthenticator
{
    public const string AppIdHeader = "X-App-Id";
    public const string AppTokenHeader = "X-App-Token";

    private readonly FrozenDictionary<string, byte[]> _digestById;
    private readonly (string Id, byte[] Digest)[] _all;
    private readonly byte[] _decoy = SHA256.HashData("not a token of any application"u8);

    public ApplicationAuthenticator(IReadOnlyDictionary<string, string> applications)
    {
        ArgumentNullException.ThrowIfNull(applications);
        _digestById = applications.ToFrozenDictionary(a => a.Key, a => Digest(a.Value), StringComparer.Ordinal);
        _all = [.. _digestById.Select(a => (a.Key, a.Value))];
    }

    /// <summary>The application of <paramref name="request"/>, or false with the problem for a 401's details.</summary>
    public bool TryAuthenticate(HttpRequest request, out string appId, out string problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        appId = "";
        if (!TrySingle(request.Headers[AppIdHeader], AppIdHeader, out string? id, out problem)
            || !TrySingle(request.Headers[AppTokenHeader], AppTokenHeader, out string? headerToken, out problem)
            || !TrySingle(request.Headers.Authorization, "Authorization", out string? authorization, out problem))
        {
            return false;
        }

        string? bearer = null;
        if (authorization is not null)
        {
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length <= 7)
            {
                problem = "the Authorization header must be 'Bearer <token>'";
                return false;
            }

            bearer = authorization[7..].Trim();
        }

        if (headerToken is null && bearer is null)
        {
            problem = "send X-App-Id and X-App-Token, or Authorization: Bearer <token>";
            return false;
        }

        byte[] digest = Digest(headerToken ?? bearer!);
        if (headerToken is not null && bearer is not null && !CryptographicOperations.FixedTimeEquals(digest, Digest(bearer)))
        {
            problem = "X-App-Token and the Bearer token are different credentials";
            return false;
        }

        string? match = id is not null ? MatchById(id, digest) : MatchAny(digest);
        if (match is null)
        {
            problem = "the application id and token do not match a configured application";
            return false;
        }

        appId = match;
        return true;
    }

    /// <summary>Whether <paramref name="appId"/> is a configured application.</summary>
    public bool IsConfigured(string appId) => _digestById.ContainsKey(appId);

    /// <summary>Whether <paramref name="token"/> is the API key of <paramref name="appId"/> (constant time).</summary>
    public bool IsKeyOf(string appId, string token) => MatchById(appId, Digest(token)) is not null;

    private string? MatchById(string id, byte[] digest)
    {
        bool known = _digestById.TryGetValue(id, out byte[]? expected);
        bool equal = CryptographicOperations.FixedTimeEquals(digest, expected ?? _decoy);
        return known && equal ? id : null;
    }

    private string? MatchAny(byte[] digest)
    {
        string? match = null;
        foreach (var (id, expected) in _all)
        {
            // No early exit: the time taken does not depend on which application (if any) matched.
            if (CryptographicOperations.FixedTimeEquals(digest, expected))
            {
                match = id;
            }
        }

        return match;
    }

    private static bool TrySingle(StringValues values, string name, out string? value, out string problem)
    {
        value = null;
        problem = "";
        if (values.Count > 1)
        {
            problem = $"the {name} header is sent more than once";
            return false;
        }

        value = values.Count == 1 && !string.IsNullOrWhiteSpace(values[0]) ? values[0]!.Trim() : null;
        return true;
    }

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}

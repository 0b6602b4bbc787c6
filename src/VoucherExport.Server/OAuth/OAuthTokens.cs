using System.Security.Cryptography;
using VoucherExport.Registry;

namespace VoucherExport.Server.OAuth;

/// <summary>Issues OAuth access tokens and checks them: signature, then expiry, then the shared revocation store.</summary>
internal sealed class OAuthTokens(OAuthTokenCodec codec, IOAuthRevocationStore revocations, TimeProvider time)
{
    /// <summary>Voucherify's lifetime: 900 seconds (oauth.json, "The token expires in 900 seconds").</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(900);

    /// <summary>A new token of <paramref name="appId"/> for <paramref name="scopes"/>, and its text.</summary>
    public (string Text, OAuthAccessToken Token) Issue(string appId, string[] scopes)
    {
        DateTimeOffset now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        var token = new OAuthAccessToken(appId, scopes, now, now + Lifetime, RandomNumberGenerator.GetBytes(16));
        return (codec.Encode(token), token);
    }

    /// <summary>The seconds <paramref name="token"/> has left, as <c>expires_in</c> counts them.</summary>
    public long SecondsLeft(OAuthAccessToken token) =>
        Math.Max(0, token.ExpiresAt.ToUnixTimeSeconds() - time.GetUtcNow().ToUnixTimeSeconds());

    /// <summary>Checks <paramref name="text"/>; the token comes back whenever its signature holds (also when expired or revoked).</summary>
    public async ValueTask<(OAuthTokenState State, OAuthAccessToken? Token)> CheckAsync(string? text, CancellationToken cancellationToken)
    {
        // The signature comes first, so a forged token learns nothing from the answer it gets.
        if (codec.Decode(text) is not { } token)
        {
            return (OAuthTokenState.Invalid, null);
        }

        if (time.GetUtcNow() >= token.ExpiresAt)
        {
            return (OAuthTokenState.Expired, token);
        }

        return await revocations.IsRevokedAsync(token.TokenIdHash(), cancellationToken).ConfigureAwait(false)
            ? (OAuthTokenState.Revoked, token)
            : (OAuthTokenState.Active, token);
    }

    /// <summary>Revokes <paramref name="token"/> on every instance sharing the store; false when it was revoked already.</summary>
    public ValueTask<bool> RevokeAsync(OAuthAccessToken token, CancellationToken cancellationToken) =>
        revocations.RevokeAsync(token.TokenIdHash(), token.ExpiresAt, cancellationToken);
}

using System.Security.Cryptography;

namespace VoucherExport.Server.OAuth;

/// <summary>What a signed OAuth token carries: who, what for, from when until when, and its random id.</summary>
/// <param name="AppId">The application it was issued to (its <c>client_id</c>).</param>
/// <param name="Scopes">The scopes, in the order they were asked for.</param>
/// <param name="IssuedAt">When it was issued (whole seconds).</param>
/// <param name="ExpiresAt">When it stops working (whole seconds).</param>
/// <param name="TokenId">16 random bytes; revocation remembers their SHA-256.</param>
internal sealed record OAuthAccessToken(string AppId, string[] Scopes, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, byte[] TokenId)
{
    /// <summary>The scopes as Voucherify writes them: one space between each.</summary>
    public string Scope => string.Join(' ', Scopes);

    /// <summary>The SHA-256 of <see cref="TokenId"/>: the only thing a revocation store keeps.</summary>
    public byte[] TokenIdHash() => SHA256.HashData(TokenId);
}

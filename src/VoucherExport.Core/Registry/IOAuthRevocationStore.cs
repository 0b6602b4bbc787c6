namespace VoucherExport.Registry;

/// <summary>
/// Where revoked OAuth tokens are remembered until they would have expired anyway. Tokens themselves are self-contained
/// and signed, so this is the only OAuth state; every instance of a service that shares the store sees a revocation.
/// Only a SHA-256 hash of each token's random id is kept: a stored row never helps to forge or replay a token.
/// </summary>
public interface IOAuthRevocationStore
{
    /// <summary>The length of a token id hash: a SHA-256 digest.</summary>
    public const int HashLength = 32;

    /// <summary>
    /// Records that the token whose id hashes to <paramref name="tokenIdHash"/> is revoked; the record may be purged after
    /// <paramref name="expiresAt"/>. False when it was revoked already.
    /// </summary>
    ValueTask<bool> RevokeAsync(ReadOnlyMemory<byte> tokenIdHash, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Whether the token whose id hashes to <paramref name="tokenIdHash"/> was revoked.</summary>
    ValueTask<bool> IsRevokedAsync(ReadOnlyMemory<byte> tokenIdHash, CancellationToken cancellationToken = default);

    /// <summary>Forgets revocations of tokens that expired before <paramref name="now"/>; returns how many were removed.</summary>
    ValueTask<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default);
}

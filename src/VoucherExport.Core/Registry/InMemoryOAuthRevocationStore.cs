using System.Collections.Concurrent;

namespace VoucherExport.Registry;

/// <summary>
/// The revocation store of one process (the server's default): revocations are seen by this process only, and lost on
/// restart. A service of several instances shares a durable store instead (VoucherExport.PostgreSql).
/// </summary>
public sealed class InMemoryOAuthRevocationStore : IOAuthRevocationStore
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    /// <summary>A store whose revocations are purged after expiry by <paramref name="time"/>'s clock (default the system's).</summary>
    public InMemoryOAuthRevocationStore(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Revocations held now, expired ones included until the next purge.</summary>
    public int Count => _revoked.Count;

    /// <inheritdoc />
    public ValueTask<bool> RevokeAsync(ReadOnlyMemory<byte> tokenIdHash, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        string key = Key(tokenIdHash);

        // Each revocation sweeps the expired ones, so the dictionary holds at most the tokens of one lifetime.
        Purge(_time.GetUtcNow());
        return ValueTask.FromResult(_revoked.TryAdd(key, expiresAt));
    }

    /// <inheritdoc />
    public ValueTask<bool> IsRevokedAsync(ReadOnlyMemory<byte> tokenIdHash, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_revoked.ContainsKey(Key(tokenIdHash)));

    /// <inheritdoc />
    public ValueTask<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Purge(now));

    private int Purge(DateTimeOffset now)
    {
        int removed = 0;
        foreach (var (key, expiresAt) in _revoked)
        {
            if (expiresAt < now && _revoked.TryRemove(new KeyValuePair<string, DateTimeOffset>(key, expiresAt)))
            {
                removed++;
            }
        }

        return removed;
    }

    private static string Key(ReadOnlyMemory<byte> tokenIdHash) => tokenIdHash.Length == IOAuthRevocationStore.HashLength
        ? Convert.ToHexStringLower(tokenIdHash.Span)
        : throw new ArgumentException($"a token id hash is {IOAuthRevocationStore.HashLength} bytes (SHA-256), not {tokenIdHash.Length}", nameof(tokenIdHash));
}

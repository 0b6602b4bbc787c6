using System.Collections.Concurrent;
using System.Security.Cryptography;
using VoucherExport.Parameters;

namespace VoucherExport.Server;

/// <summary>
/// <c>Idempotency-Key</c> on creates: the first request with a key runs, and for the retention period every later request of
/// the same application with that key and the same method, path and body gets the first answer again (a request that
/// arrives while the first still runs waits for it). The same key with a different request is a 409. A create that fails
/// is not remembered, so it can be retried with its key.
/// </summary>
internal sealed class IdempotencyCache(TimeProvider time, TimeSpan retention) : IIdempotencyStore
{
    public const string Header = "Idempotency-Key";

    /// <summary>As Stripe: long enough for a UUID or a composite key, short enough to stay a key.</summary>
    public const int MaxKeyLength = 255;

    private readonly ConcurrentDictionary<(string App, string Key), Entry> _entries = new();
    private long _nextSweepTicks;

    /// <summary>How many keys are held (tests watch expiry through it).</summary>
    public int Count => _entries.Count;

    /// <summary>400 unless <paramref name="key"/> is 1–255 printable ASCII characters.</summary>
    public static void Validate(string key)
    {
        if (key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            throw new ApiException(VoucherifyError.InvalidPayload(
                Header, $"must be 1 to {MaxKeyLength} printable ASCII characters without spaces"));
        }
    }

    /// <inheritdoc />
    public async Task<(byte[] Body, bool Replayed)> RunAsync(
        string appId, string key, byte[] fingerprint, Func<Task<byte[]>> create, CancellationToken cancellationToken)
    {
        while (true)
        {
            DateTimeOffset now = time.GetUtcNow();
            SweepIfDue(now);
            var mine = new Entry(fingerprint, now + retention);
            Entry entry = _entries.GetOrAdd((appId, key), mine);
            if (!ReferenceEquals(entry, mine))
            {
                if (entry.ExpiresAt <= now)
                {
                    _entries.TryRemove(new KeyValuePair<(string, string), Entry>((appId, key), entry));
                    continue;
                }

                if (!CryptographicOperations.FixedTimeEquals(entry.Fingerprint, fingerprint))
                {
                    throw Reused(key, retention);
                }

                byte[]? replay = await entry.Body.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (replay is null)
                {
                    // The first request with this key failed and was forgotten; this one runs afresh.
                    continue;
                }

                return (replay, true);
            }

            try
            {
                byte[] body = await create().ConfigureAwait(false);
                mine.Body.TrySetResult(body);
                return (body, false);
            }
            catch
            {
                _entries.TryRemove(new KeyValuePair<(string, string), Entry>((appId, key), mine));
                mine.Body.TrySetResult(null);
                throw;
            }
        }
    }

    /// <summary>The 409 of a key used again with a different request.</summary>
    public static ApiException Reused(string key, TimeSpan retention) => new(new VoucherifyError(409, "idempotency_key_reused", "Idempotency key reused",
        $"{Header} '{key}' was used with a different request (method, path or body) in the last {retention:g}; use a new key"));

    /// <summary>The fingerprint of a request: SHA-256 over its method, path and body.</summary>
    public static byte[] Fingerprint(string method, string path, byte[] body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{method} {path}\n"));
        hash.AppendData(body);
        return hash.GetHashAndReset();
    }

    private void SweepIfDue(DateTimeOffset now)
    {
        // A sweep at most every tenth of the retention keeps memory bounded by the keys of about one retention period.
        long due = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweepTicks, (now + retention / 10).UtcTicks, due) != due)
        {
            return;
        }

        foreach (var pair in _entries)
        {
            if (pair.Value.ExpiresAt <= now && pair.Value.Body.Task.IsCompleted)
            {
                _entries.TryRemove(pair);
            }
        }
    }

    private sealed class Entry(byte[] fingerprint, DateTimeOffset expiresAt)
    {
        public byte[] Fingerprint { get; } = fingerprint;

        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public TaskCompletionSource<byte[]?> Body { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

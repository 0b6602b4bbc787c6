namespace VoucherExport.Server;

/// <summary>
/// Where <c>Idempotency-Key</c>s are kept: in this process (<see cref="IdempotencyCache"/>) or, with a PostgreSQL registry,
/// in a table every instance shares (<see cref="PostgresIdempotencyStore"/>), so a retry that lands on another instance
/// gets the same export.
/// </summary>
internal interface IIdempotencyStore
{
    /// <summary>
    /// Runs <paramref name="create"/> once per (application, key) and request fingerprint; gives its body and whether it is
    /// a replay. The same key with another fingerprint is a 409; a create that fails is forgotten, so it can be retried.
    /// </summary>
    Task<(byte[] Body, bool Replayed)> RunAsync(
        string appId, string key, byte[] fingerprint, Func<Task<byte[]>> create, CancellationToken cancellationToken);
}

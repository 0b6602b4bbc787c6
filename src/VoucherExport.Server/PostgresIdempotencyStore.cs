using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace VoucherExport.Server;

/// <summary>
/// <c>Idempotency-Key</c>s in a table beside the registry's (<c>voucher_export_idempotency</c> in its schema), shared by
/// every instance. The first request with a key inserts a pending row and creates the export; later ones with the same key
/// read the stored answer, and while the first is still creating they wait for it. A pending row older than
/// <see cref="AbandonedAfter"/> belongs to an instance that died mid-create and is taken over.
/// </summary>
internal sealed class PostgresIdempotencyStore : IIdempotencyStore
{
    /// <summary>Far longer than a create takes (it stores one row); short enough that a crashed create blocks its key briefly.</summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(1);

    /// <summary>How often a request waits for another instance's create to finish.</summary>
    private static readonly TimeSpan s_pendingPoll = TimeSpan.FromMilliseconds(50);

    // One key for this table's creation, apart from the registry's migration lock.
    private const long CreateLockKey = 0x566F75636845_7871;

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly string _table;
    private long _nextSweepTicks;

    public PostgresIdempotencyStore(NpgsqlDataSource dataSource, string schema, TimeProvider time, TimeSpan retention)
    {
        _dataSource = dataSource;
        _time = time;
        _retention = retention;

        // The schema was validated as a plain identifier with the registry's options.
        _table = $"\"{schema}\".\"voucher_export_idempotency\"";
    }

    /// <summary>Creates the table if missing; safe when several instances start at once.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock($1)", cancellationToken, Int64(CreateLockKey)).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, $"""
                    CREATE TABLE IF NOT EXISTS {_table} (
                        app_id      text COLLATE "C" NOT NULL,
                        key         text COLLATE "C" NOT NULL,
                        fingerprint bytea NOT NULL,
                        response    bytea,
                        created_at  timestamptz NOT NULL,
                        expires_at  timestamptz NOT NULL,
                        PRIMARY KEY (app_id, key))
                    """, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<(byte[] Body, bool Replayed)> RunAsync(
        string appId, string key, byte[] fingerprint, Func<Task<byte[]>> create, CancellationToken cancellationToken)
    {
        await SweepIfDueAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            DateTimeOffset now = _time.GetUtcNow();

            // An answer past its retention, or a create abandoned by a dead instance, no longer holds the key.
            await ExecuteAsync(
                $"DELETE FROM {_table} WHERE app_id = $1 AND key = $2 AND (expires_at <= $3 OR (response IS NULL AND created_at <= $4))",
                cancellationToken, Text(appId), Text(key), Instant(now), Instant(now - AbandonedAfter)).ConfigureAwait(false);
            int inserted = await ExecuteAsync(
                $"INSERT INTO {_table} (app_id, key, fingerprint, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                cancellationToken, Text(appId), Text(key), Bytes(fingerprint), Instant(now), Instant(now + _retention)).ConfigureAwait(false);
            if (inserted == 1)
            {
                return (await CreateAsync(appId, key, now, create).ConfigureAwait(false), false);
            }

            var (stored, response, found) = await ReadAsync(appId, key, cancellationToken).ConfigureAwait(false);
            if (!found)
            {
                continue;
            }

            if (!CryptographicOperations.FixedTimeEquals(stored, fingerprint))
            {
                throw IdempotencyCache.Reused(key, _retention);
            }

            if (response is not null)
            {
                return (response, true);
            }

            // Another request (here or on another instance) is creating it: wait for its answer, or for it to give up.
            await Task.Delay(s_pendingPoll, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<byte[]> CreateAsync(string appId, string key, DateTimeOffset claimed, Func<Task<byte[]>> create)
    {
        byte[] body;
        try
        {
            body = await create().ConfigureAwait(false);
        }
        catch
        {
            // Forgotten, so the key can be retried; only this request's pending row is removed.
            await ExecuteAsync($"DELETE FROM {_table} WHERE app_id = $1 AND key = $2 AND response IS NULL AND created_at = $3",
                CancellationToken.None, Text(appId), Text(key), Instant(claimed)).ConfigureAwait(false);
            throw;
        }

        await ExecuteAsync($"UPDATE {_table} SET response = $3 WHERE app_id = $1 AND key = $2 AND response IS NULL",
            CancellationToken.None, Text(appId), Text(key), Bytes(body)).ConfigureAwait(false);
        return body;
    }

    private async Task<(byte[] Fingerprint, byte[]? Response, bool Found)> ReadAsync(string appId, string key, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = new NpgsqlCommand($"SELECT fingerprint, response FROM {_table} WHERE app_id = $1 AND key = $2", connection)
            {
                Parameters = { Text(appId), Text(key) },
            };
            await using (command.ConfigureAwait(false))
            {
                NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return ([], null, false);
                    }

                    return (reader.GetFieldValue<byte[]>(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1), true);
                }
            }
        }
    }

    private async Task SweepIfDueAsync(CancellationToken cancellationToken)
    {
        // At most every tenth of the retention per instance keeps the table to about one retention period of keys.
        DateTimeOffset now = _time.GetUtcNow();
        long due = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweepTicks, (now + _retention / 10).UtcTicks, due) != due)
        {
            return;
        }

        await ExecuteAsync($"DELETE FROM {_table} WHERE expires_at <= $1", cancellationToken, Instant(now)).ConfigureAwait(false);
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ExecuteAsync(connection, null, sql, cancellationToken, parameters).ConfigureAwait(false);
        }
    }

    private static async Task<int> ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddRange(parameters);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static NpgsqlParameter Text(string value) => new NpgsqlParameter<string> { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Bytes(byte[] value) => new NpgsqlParameter<byte[]> { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Bytea };

    private static NpgsqlParameter Int64(long value) => new NpgsqlParameter<long> { TypedValue = value };

    // Microseconds are what timestamptz keeps; the pending row is matched on the value as stored.
    private static NpgsqlParameter Instant(DateTimeOffset value) => new NpgsqlParameter<DateTime>
    {
        TypedValue = new DateTime(value.UtcTicks - (value.UtcTicks % 10), DateTimeKind.Utc),
        NpgsqlDbType = NpgsqlDbType.TimestampTz,
    };
}

using Npgsql;
using NpgsqlTypes;
using VoucherExport.Registry;

namespace VoucherExport.PostgreSql;

/// <summary>
/// OAuth revocations in PostgreSQL, shared by every instance of a service: a token revoked through one instance is
/// refused by all of them on their next request (each check is one primary-key lookup). Rows hold a SHA-256 hash of the
/// token id and its expiry only; each revocation purges the rows of tokens that have expired.
/// </summary>
public sealed class PostgresOAuthRevocationStore : IOAuthRevocationStore
{
    /// <summary>The default table name, beside <c>voucher_exports</c> in the registry's schema.</summary>
    public const string DefaultTable = "voucher_oauth_revocations";

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly string _table;
    private readonly string _qualified;
    private readonly SemaphoreSlim _createLock = new(1, 1);
    private volatile bool _created;

    /// <summary>
    /// A store in <paramref name="schema"/> (the registry's, e.g. <see cref="PostgresExportStoreOptions.Schema"/>) and table
    /// <paramref name="table"/>. The table is created on first use if it does not exist.
    /// </summary>
    public PostgresOAuthRevocationStore(NpgsqlDataSource dataSource, string schema = "public", string table = DefaultTable)
    {
        _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        _schema = SqlIdentifier.Validate(schema, nameof(schema));
        _table = SqlIdentifier.Validate(table, nameof(table));
        _qualified = $"{SqlIdentifier.Quote(_schema)}.{SqlIdentifier.Quote(_table)}";
    }

    /// <summary>A store in the schema of the export registry's table (<paramref name="registry"/>), in <see cref="DefaultTable"/>.</summary>
    public PostgresOAuthRevocationStore(NpgsqlDataSource dataSource, PostgresExportStoreOptions registry)
        : this(dataSource, (registry ?? throw new ArgumentNullException(nameof(registry))).Validate().Schema)
    {
    }

    /// <summary>The schema script as shipped, with <c>{schema}</c>, <c>{table}</c> and <c>{name}</c> placeholders.</summary>
    public static string Script { get; } = EmbeddedSql.Read("oauth_revocations.sql");

    /// <summary>Creates the table and its index if they do not exist (safe from many processes at once).</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        if (_created)
        {
            return;
        }

        await _createLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_created)
            {
                await EmbeddedSql.RunLockedAsync(_dataSource, EmbeddedSql.Fill(Script, _schema, _table), cancellationToken).ConfigureAwait(false);
                _created = true;
            }
        }
        finally
        {
            _createLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> RevokeAsync(ReadOnlyMemory<byte> tokenIdHash, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        byte[] hash = Checked(tokenIdHash);
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // The purge rides along: the table never holds more than one token lifetime of revocations.
            var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand($"DELETE FROM {_qualified} WHERE expires_at < now()"),
                    new NpgsqlBatchCommand(
                        $"INSERT INTO {_qualified} (token_id_sha256, expires_at) VALUES ($1, $2) ON CONFLICT (token_id_sha256) DO NOTHING")
                    {
                        Parameters =
                        {
                            new NpgsqlParameter<byte[]> { TypedValue = hash, NpgsqlDbType = NpgsqlDbType.Bytea },
                            new NpgsqlParameter<DateTime> { TypedValue = expiresAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                        },
                    },
                },
            };
            await using (batch.ConfigureAwait(false))
            {
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return batch.BatchCommands[1].RecordsAffected == 1;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> IsRevokedAsync(ReadOnlyMemory<byte> tokenIdHash, CancellationToken cancellationToken = default)
    {
        byte[] hash = Checked(tokenIdHash);
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlCommand command = _dataSource.CreateCommand($"SELECT EXISTS (SELECT 1 FROM {_qualified} WHERE token_id_sha256 = $1)");
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hash, NpgsqlDbType = NpgsqlDbType.Bytea });
            return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }

    /// <inheritdoc />
    public async ValueTask<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlCommand command = _dataSource.CreateCommand($"DELETE FROM {_qualified} WHERE expires_at < $1");
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static byte[] Checked(ReadOnlyMemory<byte> tokenIdHash) => tokenIdHash.Length == IOAuthRevocationStore.HashLength
        ? tokenIdHash.ToArray()
        : throw new ArgumentException($"a token id hash is {IOAuthRevocationStore.HashLength} bytes (SHA-256), not {tokenIdHash.Length}", nameof(tokenIdHash));
}

using Npgsql;

namespace VoucherExport.PostgreSql;

/// <summary>The SQL scripts shipped inside the assembly, and how they run.</summary>
internal static class EmbeddedSql
{
    // One key for every VoucherExport migration: two processes creating the same table at once would otherwise race
    // on the catalog (CREATE ... IF NOT EXISTS is not atomic against a concurrent create).
    private const long MigrationLockKey = 0x566F75636845_7870;

    public static string Read(string name)
    {
        using Stream stream = typeof(EmbeddedSql).Assembly.GetManifestResourceStream($"VoucherExport.PostgreSql.{name}")
            ?? throw new InvalidOperationException($"the embedded script {name} is missing from the assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Replaces the placeholders by validated identifiers.</summary>
    public static string Fill(string script, string schema, string table) => script
        .Replace("{schema}", SqlIdentifier.Quote(schema), StringComparison.Ordinal)
        .Replace("{name_schema}", schema, StringComparison.Ordinal)
        .Replace("{table}", SqlIdentifier.Quote(table), StringComparison.Ordinal)
        .Replace("{name}", table, StringComparison.Ordinal);

    public static async Task RunLockedAsync(NpgsqlDataSource dataSource, string script, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction);
                await using (lockCommand.ConfigureAwait(false))
                {
                    lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = MigrationLockKey });
                    await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                var command = new NpgsqlCommand(script, connection, transaction);
                await using (command.ConfigureAwait(false))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

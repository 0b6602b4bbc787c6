using Npgsql;
using NpgsqlTypes;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.PostgreSql;

/// <summary>Bulk-loads transactions into the ledger table with binary <c>COPY</c> (tests, benchmarks, imports).</summary>
public static class PostgresLedgerLoader
{
    /// <summary>
    /// Copies every transaction of <paramref name="source"/> into the table, in the order the source yields them
    /// (oldest first when it can: rows stored in time order make the ordered export read the table sequentially),
    /// then analyzes the table. Returns the rows loaded. All or nothing: a bad row rolls the whole load back.
    /// </summary>
    public static async Task<long> LoadAsync(
        NpgsqlDataSource dataSource,
        ITransactionSource source,
        PostgresLedgerOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(source);
        options = (options ?? PostgresLedgerOptions.Default).Validate();
        var query = new TransactionQuery(null, ExportOrder.CreatedAtAscending, DateTimeOffset.UnixEpoch);
        long rows = 0;
        NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            NpgsqlBinaryImporter importer = await connection.BeginBinaryImportAsync(
                $"COPY {options.QualifiedTable} ({LedgerRows.CopyColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken)
                .ConfigureAwait(false);
            await using (importer.ConfigureAwait(false))
            {
                await foreach (ReadOnlyMemory<VoucherTransaction> batch in source.ReadAsync(query, cancellationToken)
                    .WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    for (int i = 0; i < batch.Length; i++)
                    {
                        await WriteRowAsync(importer, batch.Span[i], cancellationToken).ConfigureAwait(false);
                    }

                    rows += batch.Length;
                }

                await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            var analyze = new NpgsqlCommand($"ANALYZE {options.QualifiedTable}", connection);
            await using (analyze.ConfigureAwait(false))
            {
                await analyze.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return rows;
    }

    /// <summary>Loads a JSON Lines ledger file (SPEC §3) into the table.</summary>
    public static Task<long> LoadJsonLinesAsync(
        NpgsqlDataSource dataSource, string path, PostgresLedgerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return LoadAsync(dataSource, new JsonLinesTransactionSource(path), options, cancellationToken);
    }

    private static async ValueTask WriteRowAsync(NpgsqlBinaryImporter importer, VoucherTransaction row, CancellationToken cancellationToken)
    {
        await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(row.Id, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        await WriteTextAsync(importer, row.SourceId, cancellationToken).ConfigureAwait(false);
        await WriteTextAsync(importer, row.VoucherId, cancellationToken).ConfigureAwait(false);
        await WriteTextAsync(importer, row.CampaignId, cancellationToken).ConfigureAwait(false);
        await WriteTextAsync(importer, row.Source, cancellationToken).ConfigureAwait(false);
        await WriteTextAsync(importer, row.Reason, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(row.Type, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        if (row.Details.IsEmpty)
        {
            await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await importer.WriteAsync(System.Text.Encoding.UTF8.GetString(row.Details.Span), NpgsqlDbType.Jsonb, cancellationToken)
                .ConfigureAwait(false);
        }

        await WriteTextAsync(importer, row.RelatedTransactionId, cancellationToken).ConfigureAwait(false);
        await importer.WriteAsync(row.CreatedAt.UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
    }

    private static Task WriteTextAsync(NpgsqlBinaryImporter importer, string? value, CancellationToken cancellationToken) =>
        value is null
            ? importer.WriteNullAsync(cancellationToken)
            : importer.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);
}

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
        NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            long rows = await CopyTransactionsAsync(connection, source, options, progress: null, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, null, $"ANALYZE {options.QualifiedTable}", cancellationToken).ConfigureAwait(false);
            return rows;
        }
    }

    /// <summary>
    /// Replaces the ledger, and the voucher directory when <paramref name="vouchers"/> is given, by what
    /// <paramref name="source"/> yields: the tables are created when missing, emptied and filled with binary COPY in one
    /// transaction, so a re-run replaces rather than duplicates, readers see the old rows or the new ones and never a mix,
    /// and a bad row leaves the old rows in place. <paramref name="progress"/> hears the ledger rows copied so far.
    /// </summary>
    public static async Task<PostgresLoadResult> ReplaceAsync(
        NpgsqlDataSource dataSource,
        ITransactionSource source,
        IEnumerable<VoucherInfo>? vouchers,
        PostgresLedgerOptions? options = null,
        IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(source);
        options = (options ?? PostgresLedgerOptions.Default).Validate();
        await PostgresLedgerSchema.EnsureCreatedAsync(dataSource, options, cancellationToken).ConfigureAwait(false);
        NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            long rows;
            long voucherRows = 0;
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                string tables = vouchers is null ? options.QualifiedTable : $"{options.QualifiedTable}, {options.QualifiedVouchersTable}";
                await ExecuteAsync(connection, transaction, $"TRUNCATE {tables}", cancellationToken).ConfigureAwait(false);
                rows = await CopyTransactionsAsync(connection, source, options, progress, cancellationToken).ConfigureAwait(false);
                if (vouchers is not null)
                {
                    voucherRows = await CopyVouchersAsync(connection, vouchers, options, cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, null, $"ANALYZE {options.QualifiedTable}", cancellationToken).ConfigureAwait(false);
            if (vouchers is not null)
            {
                await ExecuteAsync(connection, null, $"ANALYZE {options.QualifiedVouchersTable}", cancellationToken).ConfigureAwait(false);
            }

            return new PostgresLoadResult(rows, voucherRows);
        }
    }

    private static async Task<long> CopyTransactionsAsync(
        NpgsqlConnection connection, ITransactionSource source, PostgresLedgerOptions options, IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        var query = new TransactionQuery(null, ExportOrder.CreatedAtAscending, DateTimeOffset.UnixEpoch);
        long rows = 0;
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
                progress?.Report(rows);
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        return rows;
    }

    private static async Task<long> CopyVouchersAsync(
        NpgsqlConnection connection, IEnumerable<VoucherInfo> vouchers, PostgresLedgerOptions options, CancellationToken cancellationToken)
    {
        long rows = 0;
        NpgsqlBinaryImporter importer = await connection.BeginBinaryImportAsync(
            $"COPY {options.QualifiedVouchersTable} (id, code, campaign_id, campaign, type) FROM STDIN (FORMAT BINARY)", cancellationToken)
            .ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            foreach (VoucherInfo voucher in vouchers)
            {
                ArgumentNullException.ThrowIfNull(voucher, nameof(vouchers));
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(voucher.Id, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(voucher.Code, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(importer, voucher.CampaignId, cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(importer, voucher.CampaignName, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(voucher.Type, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                rows++;
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        return rows;
    }

    private static async Task ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
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

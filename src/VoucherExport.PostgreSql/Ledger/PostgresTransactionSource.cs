using System.Runtime.CompilerServices;
using Npgsql;
using VoucherExport.Transactions;

namespace VoucherExport.PostgreSql;

/// <summary>
/// A ledger in a PostgreSQL table (see <see cref="PostgresLedgerSchema"/>). Every filter of SPEC §2.3 becomes a
/// parameterized <c>WHERE</c> and the order <c>ORDER BY created_at, id</c>, so the engine neither filters nor sorts;
/// rows stream from a sequential-access reader in reused batches (with <see cref="TransactionQuery.Parallelism"/> above 1,
/// read on a task of their own and handed over a few batches ahead). Progress is counted in rows of the planner's estimate
/// of that query (<see cref="ProgressUnit.EstimatedRows"/>): an estimate, so the rows read may pass it or end short of it.
/// </summary>
public sealed class PostgresTransactionSource : ITransactionSource, ITransactionRangeSplitter
{
    /// <summary>Batches fetched ahead of the writer when the export has more than one thread (as the CSV source).</summary>
    private const int ReadAheadBatches = 4;

    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresLedgerOptions _options;

    /// <summary>A source over the table <paramref name="options"/> names, read through <paramref name="dataSource"/>.</summary>
    public PostgresTransactionSource(NpgsqlDataSource dataSource, PostgresLedgerOptions? options = null)
    {
        _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        _options = (options ?? PostgresLedgerOptions.Default).Validate();
    }

    /// <summary>The options this source reads with.</summary>
    public PostgresLedgerOptions Options => _options;

    /// <inheritdoc />
    /// <remarks>
    /// The order is always applied, and so are the as-of point and the resume key (a keyset <c>WHERE</c>). The filters are too, unless an operand holds U+0000 or a lone surrogate, which no
    /// stored text can; then the engine filters every row itself, exactly as it would for a file.
    /// </remarks>
    public SourcePushdown Plan(TransactionQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return new SourcePushdown(LedgerFilterSql.CanPush(query.Filters), OrderApplied: true) { RangeApplied = true };
    }

    /// <inheritdoc />
    /// <remarks>
    /// The percentiles of <c>created_at</c> over the rows the query's filters and as-of point keep, in one aggregate
    /// query; above four million rows in the table (the planner's count) over a block sample of about a million rows.
    /// </remarks>
    public async ValueTask<IReadOnlyList<DateTimeOffset>> SplitAsync(TransactionQuery query, int ranges, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return await LedgerSplit.BoundsAsync(_dataSource, _options, query, ranges, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(TransactionQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        bool pushFilters = LedgerFilterSql.CanPush(query.Filters);
        if (_options.Partitions > 1)
        {
            // Every range already reads and decodes on a task of its own.
            return ReadPartitionedAsync(query, pushFilters, cancellationToken);
        }

        // With more than one thread the rows are fetched and decoded on a thread of their own, a few batches ahead of the
        // writer, as the file sources do (docs/architecture.md, "Sources beside the writer").
        return query.Parallelism > 1
            ? BatchReadAhead.ReadAsync(ReadSerialAsync(query, pushFilters, CancellationToken.None), ReadAheadBatches, cancellationToken)
            : ReadSerialAsync(query, pushFilters, cancellationToken);
    }

    private async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadSerialAsync(
        TransactionQuery query, bool pushFilters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            query.ReadProgress.Start(
                await LedgerEstimate.RowsAsync(connection, _options, query, pushFilters, cancellationToken).ConfigureAwait(false),
                ProgressUnit.EstimatedRows);
            // A transaction only for the planner setting: the rows come in index order (LedgerQuery.PreferIndexOrderAsync).
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await LedgerQuery.PreferIndexOrderAsync(connection, transaction, query, cancellationToken).ConfigureAwait(false);
                NpgsqlCommand command = LedgerQuery.Create(_options, query, pushFilters, from: null, to: null);
                LedgerReader reader = await LedgerReader.StartAsync(connection, transaction, command, cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    var batch = new VoucherTransaction[_options.BatchSize];
                    while (true)
                    {
                        int count = await reader.FillAsync(batch, cancellationToken).ConfigureAwait(false);
                        query.ReadProgress.Add(count);
                        if (count > 0)
                        {
                            yield return batch.AsMemory(0, count);
                        }

                        if (count < batch.Length)
                        {
                            yield break;
                        }
                    }
                }
            }
        }
    }

    private async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadPartitionedAsync(
        TransactionQuery query, bool pushFilters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        PartitionedLedgerReader reader = await PartitionedLedgerReader
            .StartAsync(_dataSource, _options, query, pushFilters, cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (true)
            {
                ReadOnlyMemory<VoucherTransaction> batch = await reader.NextAsync(cancellationToken).ConfigureAwait(false);
                if (batch.IsEmpty)
                {
                    yield break;
                }

                query.ReadProgress.Add(batch.Length);
                yield return batch;
            }
        }
    }
}

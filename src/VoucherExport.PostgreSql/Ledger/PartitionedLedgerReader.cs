using System.Collections.Concurrent;
using System.Data;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Npgsql;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.PostgreSql;

/// <summary>
/// Reads the <c>created_at</c> ranges of one export at once, each on its own connection in one shared snapshot, and
/// hands their batches out strictly in range order: range k+1 reads ahead (bounded) while range k drains, so the
/// rows come out exactly as the single ordered query would give them.
/// </summary>
internal sealed partial class PartitionedLedgerReader : IAsyncDisposable
{
    private readonly PostgresLedgerOptions _options;
    private readonly CancellationTokenSource _stop;
    private readonly Partition[] _partitions;
    private readonly Task[] _producers;
    private readonly NpgsqlConnection _coordinator;
    private readonly NpgsqlTransaction _snapshotHolder;
    private int _current;
    private VoucherTransaction[]? _handedOut;
    private Exception? _firstFailure;

    private PartitionedLedgerReader(
        PostgresLedgerOptions options, NpgsqlConnection coordinator, NpgsqlTransaction snapshotHolder,
        Partition[] partitions, CancellationToken cancellationToken)
    {
        _options = options;
        _coordinator = coordinator;
        _snapshotHolder = snapshotHolder;
        _partitions = partitions;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _producers = new Task[partitions.Length];
    }

    /// <summary>Plans the ranges, exports a snapshot and starts one query per range.</summary>
    public static async Task<PartitionedLedgerReader> StartAsync(
        NpgsqlDataSource dataSource, PostgresLedgerOptions options, TransactionQuery query, bool pushFilters,
        CancellationToken cancellationToken)
    {
        NpgsqlConnection coordinator = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The total for progress: the planner's estimate of the whole (unsplit) query.
            query.ReadProgress.Start(
                await LedgerEstimate.RowsAsync(coordinator, options, query, pushFilters, cancellationToken).ConfigureAwait(false),
                ProgressUnit.EstimatedRows);
            DateTime[] bounds = await LedgerPartitions.BoundsAsync(coordinator, options, options.Partitions, cancellationToken)
                .ConfigureAwait(false);
            NpgsqlTransaction holder = await coordinator.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken)
                .ConfigureAwait(false);
            string snapshot;
            var export = new NpgsqlCommand("SELECT pg_export_snapshot()", coordinator, holder);
            await using (export.ConfigureAwait(false))
            {
                snapshot = (string)(await export.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            if (!SnapshotId().IsMatch(snapshot))
            {
                throw new InvalidOperationException($"unexpected snapshot id '{snapshot}' from pg_export_snapshot()");
            }

            var partitions = new Partition[bounds.Length + 1];
            for (int k = 0; k < partitions.Length; k++)
            {
                DateTime? from = k == 0 ? null : bounds[k - 1];
                DateTime? to = k == bounds.Length ? null : bounds[k];
                partitions[k] = new Partition(from, to, options.PartitionReadAhead);
            }

            if (query.Order == ExportOrder.CreatedAtDescending)
            {
                Array.Reverse(partitions);
            }

            var reader = new PartitionedLedgerReader(options, coordinator, holder, partitions, cancellationToken);
            for (int k = 0; k < partitions.Length; k++)
            {
                Partition partition = partitions[k];
                reader._producers[k] = Task.Run(
                    () => reader.ProduceAsync(dataSource, partition, query, pushFilters, snapshot), CancellationToken.None);
            }

            return reader;
        }
        catch
        {
            await coordinator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The next batch in export order, or an empty memory at the end. The previous batch is reused.</summary>
    public async ValueTask<ReadOnlyMemory<VoucherTransaction>> NextAsync(CancellationToken cancellationToken)
    {
        if (_handedOut is not null)
        {
            _partitions[Math.Min(_current, _partitions.Length - 1)].Free.Enqueue(_handedOut);
            _handedOut = null;
        }

        while (_current < _partitions.Length)
        {
            Partition partition = _partitions[_current];
            try
            {
                if (await partition.Full.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false)
                    && partition.Full.Reader.TryRead(out var batch))
                {
                    _handedOut = batch.Rows;
                    return batch.Rows.AsMemory(0, batch.Count);
                }
            }
            catch (OperationCanceledException) when (_firstFailure is not null && !cancellationToken.IsCancellationRequested)
            {
                // Another range failed and stopped the rest: report what really went wrong.
                throw new InvalidOperationException($"a partition of the export failed: {_firstFailure.Message}", _firstFailure);
            }

            if (partition.Full.Reader.Completion.IsCompleted)
            {
                _current++;
            }
        }

        return ReadOnlyMemory<VoucherTransaction>.Empty;
    }

    /// <summary>Stops every range query, waits for them, and ends the snapshot.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (Task producer in _producers)
        {
            if (producer is not null)
            {
                await producer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        await _snapshotHolder.DisposeAsync().ConfigureAwait(false);
        await _coordinator.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task ProduceAsync(
        NpgsqlDataSource dataSource, Partition partition, TransactionQuery query, bool pushFilters, string snapshot)
    {
        CancellationToken stop = _stop.Token;
        try
        {
            NpgsqlConnection connection = await dataSource.OpenConnectionAsync(stop).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                NpgsqlTransaction transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, stop)
                    .ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    // The id was checked against the snapshot id pattern; SET TRANSACTION SNAPSHOT takes no parameter.
                    var import = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{snapshot}'", connection, transaction);
                    await using (import.ConfigureAwait(false))
                    {
                        await import.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                    }

                    await LedgerQuery.PreferIndexOrderAsync(connection, transaction, query, stop).ConfigureAwait(false);
                    NpgsqlCommand command = LedgerQuery.Create(_options, query, pushFilters, partition.From, partition.To);
                    LedgerReader reader = await LedgerReader.StartAsync(connection, transaction, command, stop).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (true)
                        {
                            VoucherTransaction[] rows = partition.Free.TryDequeue(out var free) ? free : new VoucherTransaction[_options.BatchSize];
                            int count = await reader.FillAsync(rows, stop).ConfigureAwait(false);
                            if (count > 0)
                            {
                                await partition.Full.Writer.WriteAsync(new Batch(rows, count), stop).ConfigureAwait(false);
                            }

                            if (count < rows.Length)
                            {
                                break;
                            }
                        }
                    }
                }
            }

            partition.Full.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            if (!(ex is OperationCanceledException && stop.IsCancellationRequested))
            {
                Interlocked.CompareExchange(ref _firstFailure, ex, null);
            }

            partition.Full.Writer.TryComplete(ex);
            await _stop.CancelAsync().ConfigureAwait(false);
        }
    }

    [GeneratedRegex("^[0-9A-Fa-f-]{1,64}$")]
    private static partial Regex SnapshotId();

    private readonly record struct Batch(VoucherTransaction[] Rows, int Count);

    private sealed class Partition(DateTime? from, DateTime? to, int readAhead)
    {
        public DateTime? From { get; } = from;

        public DateTime? To { get; } = to;

        public Channel<Batch> Full { get; } = Channel.CreateBounded<Batch>(
            new BoundedChannelOptions(readAhead) { SingleReader = true, SingleWriter = true });

        public ConcurrentQueue<VoucherTransaction[]> Free { get; } = new();
    }
}

using System.Buffers;
using System.Data;
using Npgsql;
using VoucherExport.Transactions;

namespace VoucherExport.PostgreSql;

/// <summary>One running ledger query: fills batches from a sequential-access data reader, never the whole result.</summary>
internal sealed class LedgerReader : IAsyncDisposable
{
    private readonly NpgsqlCommand _command;
    private readonly NpgsqlDataReader _reader;
    private byte[] _scratch = ArrayPool<byte>.Shared.Rent(4096);
    private bool _finished;

    private LedgerReader(NpgsqlCommand command, NpgsqlDataReader reader)
    {
        _command = command;
        _reader = reader;
    }

    /// <summary>Starts <paramref name="command"/> on <paramref name="connection"/>.</summary>
    public static async Task<LedgerReader> StartAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, NpgsqlCommand command, CancellationToken cancellationToken)
    {
        command.Connection = connection;
        command.Transaction = transaction;
        NpgsqlDataReader reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken)
            .ConfigureAwait(false);
        return new LedgerReader(command, reader);
    }

    /// <summary>Fills <paramref name="batch"/> from the start; returns how many rows it holds (0 at the end).</summary>
    public async ValueTask<int> FillAsync(VoucherTransaction[] batch, CancellationToken cancellationToken)
    {
        int count = 0;
        while (count < batch.Length && await _reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            batch[count++] = LedgerRows.Read(_reader, ref _scratch);
        }

        if (count < batch.Length)
        {
            _finished = true;
        }

        return count;
    }

    /// <summary>
    /// Ends the query. Stopped early, it is cancelled on the server first: disposing a reader otherwise reads the rest
    /// of the result, which for an abandoned export could be millions of rows.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        ArrayPool<byte>.Shared.Return(_scratch);
        if (_finished)
        {
            await _reader.DisposeAsync().ConfigureAwait(false);
            await _command.DisposeAsync().ConfigureAwait(false);
            return;
        }

        try
        {
            _command.Cancel();
            await _reader.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            // The query was abandoned on purpose; its cancellation error is expected and says nothing new.
        }
        finally
        {
            await _command.DisposeAsync().ConfigureAwait(false);
        }
    }
}

using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace VoucherExport.Transactions;

/// <summary>
/// Runs a source's read on a thread of its own, a few batches ahead of the caller: each batch is copied (the references
/// only) into a pooled array, since the source may reuse its own, and handed over through a bounded queue.
/// </summary>
/// <remarks>
/// The caller gets the same batches in the same order, and an error of the source after every batch before it, as if it
/// read the source itself. When the caller stops early the read is cancelled, awaited and every array returned.
/// </remarks>
internal static class BatchReadAhead
{
    /// <summary>Reads <paramref name="source"/> up to <paramref name="depth"/> batches ahead of the caller.</summary>
    public static async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
        IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> source, int depth,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var queue = Channel.CreateBounded<Batch>(new BoundedChannelOptions(depth) { SingleReader = true, SingleWriter = true });
        var reader = new Reader(source, queue.Writer);
        Task read = Task.Run(() => reader.RunAsync(stop.Token), CancellationToken.None);
        VoucherTransaction[]? held = null;
        try
        {
            while (await queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (queue.Reader.TryRead(out Batch batch))
                {
                    Return(held);
                    held = batch.Rows;
                    yield return batch.Rows.AsMemory(0, batch.Count);
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }

            await read.ConfigureAwait(false);
            reader.Failure?.Throw();
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await read.ConfigureAwait(false);
            Return(held);
            while (queue.Reader.TryRead(out Batch left))
            {
                Return(left.Rows);
            }
        }
    }

    private static void Return(VoucherTransaction[]? rows)
    {
        if (rows is not null)
        {
            ArrayPool<VoucherTransaction>.Shared.Return(rows, clearArray: true);
        }
    }

    private readonly record struct Batch(VoucherTransaction[] Rows, int Count);

    private sealed class Reader(IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> source, ChannelWriter<Batch> queue)
    {
        /// <summary>What stopped the source, or null.</summary>
        public ExceptionDispatchInfo? Failure { get; private set; }

        /// <summary>Reads the source to its end; never throws (the failure is kept) and always completes the queue.</summary>
        public async Task RunAsync(CancellationToken cancellationToken)
        {
            try
            {
                await foreach (ReadOnlyMemory<VoucherTransaction> batch in source.WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    VoucherTransaction[] copy = ArrayPool<VoucherTransaction>.Shared.Rent(batch.Length);
                    batch.Span.CopyTo(copy);
                    try
                    {
                        await queue.WriteAsync(new Batch(copy, batch.Length), cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        Return(copy);
                        throw;
                    }
                }
            }
            catch (Exception error)
            {
                Failure = ExceptionDispatchInfo.Capture(error);
            }
            finally
            {
                queue.Complete();
            }
        }
    }
}

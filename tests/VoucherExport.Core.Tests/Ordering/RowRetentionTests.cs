using System.Runtime.CompilerServices;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Ordering;

/// <summary>Neither path keeps the source's rows: memory stays flat because nothing of a batch outlives it.</summary>
public class RowRetentionTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RowsOfEarlierBatchesCanBeCollected(bool declared)
    {
        using var temp = new TempFolder();
        var source = new WatchedSource(batches: 8, batchSize: 200, declared ? ExportOrder.CreatedAtAscending : null);
        // One thread: the parallel writer holds the rows of its batches in flight (a bounded window of about 4 MiB of
        // CSV), which these 1,600 small rows would not fill; this test is about the pipeline keeping nothing past a batch.
        var request = SortKit.Request(ExportOrder.CreatedAtAscending, new SortOptions { MemoryBudgetBytes = 64 * 1024, TempFolder = temp.Path })
            with { Parallelism = 1 };

        byte[] bytes = await SortKit.ExportAsync(request, source);

        Assert.True(bytes.Length > 8 * 200 * 100);
        Assert.Equal(200, source.Watched);
        Assert.Equal(0, source.AliveWhenChecked);
    }

    /// <summary>
    /// Yields fresh rows into one reused array, as the JSON Lines source does; watches the first batch's rows through
    /// weak references and, five batches later, collects and counts how many are still reachable.
    /// </summary>
    private sealed class WatchedSource(int batches, int batchSize, ExportOrder? declared) : ITransactionSource
    {
        private readonly List<WeakReference> _first = [];

        public int Watched => _first.Count;

        public int AliveWhenChecked { get; private set; } = -1;

        public SourcePushdown Plan(TransactionQuery query) => new(FiltersApplied: false, OrderApplied: declared == query.Order);

        public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
            TransactionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var batch = new VoucherTransaction[batchSize];
            for (int b = 0; b < batches; b++)
            {
                await Task.Yield();
                if (b == 5)
                {
                    AliveWhenChecked = CountAlive();
                }

                Fill(batch, b);
                yield return batch;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void Fill(VoucherTransaction[] batch, int b)
        {
            for (int i = 0; i < batch.Length; i++)
            {
                int n = (b * batch.Length) + i + 1;
                batch[i] = Support.Rows.Make(n, reason: new string('r', 100));
                if (b == 0)
                {
                    _first.Add(new WeakReference(batch[i]));
                }
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private int CountAlive()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return _first.Count(w => w.IsAlive);
        }
    }
}

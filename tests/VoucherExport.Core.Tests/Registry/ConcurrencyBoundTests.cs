using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using VoucherExport.Chunks;
using VoucherExport.Registry;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Registry;

/// <summary>The registry runs at most <c>MaxConcurrentExports</c> exports at once; the rest wait SCHEDULED without reading anything.</summary>
public class ConcurrencyBoundTests
{
    private static readonly JsonElement AllTransactions =
        JsonDocument.Parse("""{"exported_object":"voucher_transactions"}""").RootElement.Clone();

    [Theory]
    [InlineData(1, 4)]
    [InlineData(3, 10)]
    public async Task AtMostTheBoundRunsAndTheRestWaitScheduledUntilASlotFrees(int bound, int exports)
    {
        var source = new TurnstileSource(Rows.Many(5));
        var clock = new FakeTimeProvider(Rows.Start);
        await using var registry = new ExportRegistry(new InMemoryExportStore(), source, new InMemoryChunkSinkFactory(),
            new ExportRegistryOptions { MaxConcurrentExports = bound }, time: clock);
        string[] ids = new string[exports];
        for (int i = 0; i < exports; i++)
        {
            ids[i] = (await registry.CreateExportAsync("app", AllTransactions)).Id;
        }

        var running = new Queue<TurnstileSource.Reader>();
        for (int i = 0; i < bound; i++)
        {
            running.Enqueue(await source.Entered.ReadAsync());
        }

        for (int done = 0; done < exports; done++)
        {
            int remaining = exports - done;
            var statuses = (await registry.ListAsync("app", limit: 100)).Exports.GroupBy(e => e.Status).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(Math.Min(bound, remaining), statuses.GetValueOrDefault(ExportStatus.InProgress));
            Assert.Equal(remaining - Math.Min(bound, remaining), statuses.GetValueOrDefault(ExportStatus.Scheduled));
            Assert.Equal(done, statuses.GetValueOrDefault(ExportStatus.Done));

            // Queued exports have not opened the source: waiting costs a stored job, not rows in memory.
            Assert.Equal(Math.Min(bound, remaining), source.Active);
            Assert.Equal(done + Math.Min(bound, remaining), source.Opened);

            // Freeing one slot lets exactly one queued export start (after the freed one is DONE).
            running.Dequeue().Release();
            if (remaining > bound)
            {
                running.Enqueue(await source.Entered.ReadAsync());
            }
            else
            {
                await WaitForDoneCountAsync(registry, ids, done + 1);
            }
        }

        foreach (string id in ids)
        {
            Assert.Equal(ExportStatus.Done, (await registry.WaitAsync("app", id))!.Status);
        }

        Assert.Equal(exports, source.Opened);
        Assert.Equal(bound, source.MaxActive);
    }

    // The last exports finish with no successor to signal; wait on the registry itself, no clock involved.
    private static async Task WaitForDoneCountAsync(ExportRegistry registry, string[] ids, int count)
    {
        var finals = ids.Select(id => registry.WaitAsync("app", id)).ToList();
        int done = 0;
        while (done < count)
        {
            Task<ExportObject?> next = await Task.WhenAny(finals);
            finals.Remove(next);
            done++;
        }
    }

    /// <summary>A source whose every read waits at a turnstile the test opens; it counts readers in and out.</summary>
    private sealed class TurnstileSource(IReadOnlyList<VoucherTransaction> rows) : ITransactionSource
    {
        private readonly Channel<Reader> _entered = Channel.CreateUnbounded<Reader>();
        private int _active, _opened, _maxActive;

        public ChannelReader<Reader> Entered => _entered.Reader;

        public int Active => Volatile.Read(ref _active);

        public int Opened => Volatile.Read(ref _opened);

        public int MaxActive => Volatile.Read(ref _maxActive);

        public SourcePushdown Plan(TransactionQuery query) => SourcePushdown.None;

        public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
            TransactionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            int active = Interlocked.Increment(ref _active);
            Interlocked.Increment(ref _opened);
            int max;
            while (active > (max = Volatile.Read(ref _maxActive)) && Interlocked.CompareExchange(ref _maxActive, active, max) != max)
            {
            }

            try
            {
                var reader = new Reader();
                _entered.Writer.TryWrite(reader);
                await reader.Gate.WaitAsync(cancellationToken);
                yield return rows.ToArray();
            }
            finally
            {
                Interlocked.Decrement(ref _active);
            }
        }

        internal sealed class Reader
        {
            private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public Task Gate => _gate.Task;

            public void Release() => _gate.TrySetResult();
        }
    }
}

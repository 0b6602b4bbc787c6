using System.Collections.Concurrent;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Registry;

public class CompletionListenerTests
{
    [Fact]
    public async Task ListenersHearEveryFinalStateOnceAndTheirFailuresChangeNothing()
    {
        var heard = new Recorder();
        var broken = new Broken();
        var source = new BlockingSource(Rows.Many(5), throwAfter: 2);
        var ok = new InMemoryTransactionSource(Rows.Many(5));
        await using (var good = new ExportRegistry(new InMemoryExportStore(), ok, new InMemoryChunkSinkFactory(), listeners: [broken, heard]))
        await using (var bad = new ExportRegistry(new InMemoryExportStore(), source, new InMemoryChunkSinkFactory(), listeners: [heard]))
        {
            var done = await good.CreateAsync("app", ExportScope.All, ExportParameters.Default);
            var failed = await bad.CreateAsync("app", ExportScope.All, ExportParameters.Default);
            Assert.Equal(ExportStatus.Done, (await good.WaitAsync("app", done.Id))!.Status);
            Assert.Equal(ExportStatus.Error, (await bad.WaitAsync("app", failed.Id))!.Status);
            await heard.Count(2).WaitAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(2, heard.Calls.Count);
        Assert.Contains(heard.Calls, c => c.Status == ExportStatus.Done && c.AppId == "app" && c.Rows == 5);
        Assert.Contains(heard.Calls, c => c.Status == ExportStatus.Error);
        Assert.Equal(1, broken.Calls);
    }

    private sealed class Recorder : IExportCompletionListener
    {
        private readonly TaskCompletionSource _two = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentBag<(string AppId, ExportStatus Status, long? Rows)> Calls { get; } = [];

        public Task Count(int n) => _two.Task;

        public Task OnCompletedAsync(string appId, ExportObject export, CancellationToken cancellationToken)
        {
            Calls.Add((appId, export.Status, export.Result?.Rows));
            if (Calls.Count >= 2)
            {
                _two.TrySetResult();
            }

            return Task.CompletedTask;
        }
    }

    private sealed class Broken : IExportCompletionListener
    {
        public int Calls;

        public Task OnCompletedAsync(string appId, ExportObject export, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            throw new InvalidOperationException("listener bug");
        }
    }
}

using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using VoucherExport.Chunks;
using VoucherExport.Registry;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Registry;

/// <summary><see cref="ExportRegistry.CancelAsync"/>: an export stops, stays visible in ERROR, and leaves no files.</summary>
public class CancelTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2023, 5, 16, 8, 30, 21, 496, TimeSpan.Zero));
    private readonly InMemoryChunkSinkFactory _sinks = new();

    private static JsonElement All { get; } = JsonDocument.Parse("""{"exported_object":"voucher_transactions"}""").RootElement.Clone();

    private ExportRegistry NewRegistry(ITransactionSource source) =>
        new(new InMemoryExportStore(_clock), source, _sinks, new ExportRegistryOptions { MaxConcurrentExports = 1 }, null, _clock);

    [Fact]
    public async Task ARunningExportEndsCancelledAndTheQueuedOneToo()
    {
        var source = new BlockingSource(Rows.Many(10)) { Block = true };
        await using var registry = NewRegistry(source);
        var running = await registry.CreateExportAsync("app", All);
        var queued = await registry.CreateExportAsync("app", All);
        await source.FirstBatchOut;

        Assert.False(await registry.CancelAsync("other-app", running.Id));
        Assert.True(await registry.CancelAsync("app", queued.Id));
        Assert.True(await registry.CancelAsync("app", running.Id));

        foreach (var id in new[] { running.Id, queued.Id })
        {
            ExportObject after = (await registry.GetAsync("app", id))!;
            Assert.Equal(ExportStatus.Error, after.Status);
            Assert.Equal("export_cancelled", after.Error!.Key);
            Assert.Equal("an operator cancelled the export before it finished", after.Error.Details);
            Assert.Empty(_sinks.Find(id)?.Committed ?? []);
        }

        // Final states stay final.
        Assert.False(await registry.CancelAsync("app", running.Id));
        Assert.False(await registry.CancelAsync("app", "exp_000000000000000000000000"));
    }

    [Fact]
    public async Task ADoneExportCannotBeCancelled()
    {
        await using var registry = NewRegistry(new InMemoryTransactionSource(Rows.Many(3)));
        var created = await registry.CreateExportAsync("app", All);
        Assert.Equal(ExportStatus.Done, (await registry.WaitAsync("app", created.Id))!.Status);

        Assert.False(await registry.CancelAsync("app", created.Id));
        Assert.Equal(ExportStatus.Done, (await registry.GetAsync("app", created.Id))!.Status);
    }
}

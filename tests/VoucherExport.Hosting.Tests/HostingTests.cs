using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VoucherExport.Chunks;
using VoucherExport.Hosting;
using VoucherExport.Registry;
using VoucherExport.SampleWorker;
using VoucherExport.Transactions;

namespace VoucherExport.Hosting.Tests;

public class HostingTests
{
    private static string TempFolder() => Path.Combine(Path.GetTempPath(), "vx-hosting-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task TheSampleWorkerRunsAnExportAndStops()
    {
        string data = TempFolder();
        try
        {
            ExportOnce? worker = null;
            int code = await SampleApp.RunAsync(
                ["--VoucherExport:DataDirectory=" + data, "--VoucherExport:DemoRows=5000", "--VoucherExport:MaxChunkBytes=65536"],
                b => b.Services.AddSingleton<ExportOnce>(sp => worker = ActivatorUtilities.CreateInstance<ExportOnce>(sp)));
            Assert.Equal(0, code);
            Assert.NotNull(worker?.Final);
            Assert.Equal(5000, worker.Final.Result!.Rows);
            string folder = Path.Combine(data, worker.Final.Id);
            Assert.True(File.Exists(Path.Combine(folder, "manifest.json")));
            Assert.Equal(worker.Final.Result.Chunks.Count, Directory.GetFiles(folder, "part-*.csv").Length);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Fact]
    public async Task OptionsBindFromConfiguration()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VoucherExport:MaxConcurrentExports"] = "3",
            ["VoucherExport:Delimiter"] = "tab",
            ["VoucherExport:Newline"] = "lf",
            ["VoucherExport:DemoRows"] = "10",
        }).Build();
        await using var provider = new ServiceCollection().AddLogging().AddVoucherExport(config).BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<VoucherExportOptions>>().Value;
        Assert.Equal(3, options.MaxConcurrentExports);
        Assert.Equal("tab", options.Delimiter);
        Assert.NotNull(provider.GetRequiredService<ExportRegistry>());
    }

    [Fact]
    public async Task BadOptionsStopTheHostAtStartWithEveryKeyNamed()
    {
        string message = await StartFailure.MessageAsync(o =>
        {
            o.MaxConcurrentExports = 0;
            o.Delimiter = "x";
            o.MaxChunkBytes = 0;
            o.LedgerPath = "/no/such/ledger.jsonl";
        });
        Assert.Contains("VoucherExport:MaxConcurrentExports", message, StringComparison.Ordinal);
        Assert.Contains("VoucherExport:Delimiter", message, StringComparison.Ordinal);
        Assert.Contains("VoucherExport:MaxChunkBytes", message, StringComparison.Ordinal);
        Assert.Contains("/no/such/ledger.jsonl", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LedgerOrderReachesTheHostsFileLedgerAndABadOneIsNamed()
    {
        string data = TempFolder();
        Directory.CreateDirectory(data);
        try
        {
            string ledger = Path.Combine(data, "ledger.jsonl");
            await File.WriteAllTextAsync(ledger, "{\"id\":\"vtx_1\",\"type\":\"CREDITS_ADDITION\",\"created_at\":\"2024-01-01T00:00:00Z\"}\n");
            var now = DateTimeOffset.UnixEpoch;
            foreach ((string? order, bool ascending, bool descending) in new[] { ((string?)"-created_at", false, true), ("created_at", true, false), (null, false, false) })
            {
                await using var provider = new ServiceCollection().AddLogging()
                    .AddVoucherExport(o => { o.LedgerPath = ledger; o.LedgerOrder = order; }).BuildServiceProvider();
                var source = provider.GetRequiredService<ITransactionSource>();
                Assert.Equal(ascending, source.Plan(new TransactionQuery(null, Parameters.ExportOrder.CreatedAtAscending, now)).OrderApplied);
                Assert.Equal(descending, source.Plan(new TransactionQuery(null, Parameters.ExportOrder.CreatedAtDescending, now)).OrderApplied);
            }

            string message = await StartFailure.MessageAsync(o => { o.LedgerPath = ledger; o.LedgerOrder = "newest"; });
            Assert.Contains("VoucherExport:LedgerOrder must be created_at or -created_at, not 'newest'", message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task AHostsOwnPartsAreKept()
    {
        var sinks = new InMemoryChunkSinkFactory();
        var source = new InMemoryTransactionSource([]);
        await using var provider = new ServiceCollection().AddLogging()
            .AddSingleton<IChunkSinkFactory>(sinks)
            .AddSingleton<ITransactionSource>(source)
            .AddVoucherExport(o => o.DataDirectory = "unused")
            .BuildServiceProvider();
        Assert.Same(sinks, provider.GetRequiredService<IChunkSinkFactory>());
        Assert.Same(source, provider.GetRequiredService<ITransactionSource>());
    }

    [Fact]
    public async Task AConfiguredWebhookIsAListenerAndABadOneStopsTheHost()
    {
        string message = await StartFailure.MessageAsync(o =>
        {
            o.DemoRows = 10;
            o.Webhook.Url = new Uri("http://127.0.0.1:9/hook");
        });
        Assert.Contains("VoucherExport:Webhook:Secret", message, StringComparison.Ordinal);

        await using var good = new ServiceCollection().AddLogging()
            .AddVoucherExport(o => { o.DemoRows = 10; o.Webhook.Url = new Uri("http://127.0.0.1:9/hook"); o.Webhook.Secret = "k"; })
            .BuildServiceProvider();
        Assert.Single(good.GetServices<IExportCompletionListener>());
    }

    [Fact]
    public async Task NoLedgerIsAClearError()
    {
        await using var provider = new ServiceCollection().AddLogging().AddVoucherExport(o => { }).BuildServiceProvider();
        var e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ExportRegistry>());
        Assert.Contains("LedgerPath", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShutdownCancelsRunningExportsWithoutADrain()
    {
        var blocking = new GateSource();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<ITransactionSource>(blocking);
        builder.Services.AddSingleton<IChunkSinkFactory>(new InMemoryChunkSinkFactory());
        builder.Services.AddVoucherExport(o => o.MaxConcurrentExports = 1);
        using var host = builder.Build();
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<ExportRegistry>();
        var store = host.Services.GetRequiredService<IExportStore>();
        using var body = System.Text.Json.JsonDocument.Parse("""{"exported_object":"voucher_transactions"}""");
        var created = await registry.CreateExportAsync("app", body.RootElement);
        await blocking.Started;
        await host.StopAsync();
        var job = await store.GetAsync("app", created.Id, CancellationToken.None);
        Assert.Equal(ExportStatus.Error, job!.Export.Status);
    }

    private sealed class GateSource : ITransactionSource
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public SourcePushdown Plan(TransactionQuery query) => SourcePushdown.None;

        public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
            TransactionQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            _started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }
    }
}

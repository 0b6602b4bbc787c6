using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Tests.Shared;
using VoucherExport.Transactions;

namespace VoucherExport.Hosting.Tests;

/// <summary><c>VoucherExport:RetryAttempts</c>, <c>RetryDelay</c>, <c>RetryMaxDelay</c>: checked at start and used by the registry.</summary>
public class RetryOptionsTests
{
    [Fact]
    public async Task BadRetryOptionsStopTheHostNamingTheKeys()
    {
        string message = await StartFailure.MessageAsync(o =>
        {
            o.DemoRows = 10;
            o.RetryAttempts = 0;
            o.RetryDelay = TimeSpan.FromSeconds(-1);
        });
        Assert.Contains("VoucherExport:RetryAttempts must be between 1 and 100, not 0", message, StringComparison.Ordinal);
        Assert.Contains("VoucherExport:RetryDelay must not be negative", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMaxDelayBelowTheDelayIsRefused()
    {
        string message = await StartFailure.MessageAsync(o =>
        {
            o.DemoRows = 10;
            o.RetryDelay = TimeSpan.FromMinutes(1);
        });
        Assert.Contains(
            "VoucherExport:RetryMaxDelay must be at least VoucherExport:RetryDelay (00:01:00), not 00:00:30", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "error", 1)]
    [InlineData(2, "done", 2)]
    public async Task TheRegistryRetriesAsConfigured(int attempts, string status, int reads)
    {
        var source = new FailingOnceSource();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<ITransactionSource>(source);
        builder.Services.AddSingleton<IChunkSinkFactory>(new InMemoryChunkSinkFactory());
        builder.Services.AddVoucherExport(o =>
        {
            o.RetryAttempts = attempts;
            o.RetryDelay = TimeSpan.Zero;
        });
        using var host = builder.Build();
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<ExportRegistry>();

        var created = await registry.CreateAsync("app", ExportScope.All, ExportParameters.Default);

        // Bounded only so a wiring mistake (the default 2 s pause between runs) fails instead of waiting.
        ExportObject? final = await registry.WaitAsync("app", created.Id).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(status, final!.Status.ToString(), ignoreCase: true);
        Assert.Equal(reads, source.Reads);
        await host.StopAsync();
    }
}

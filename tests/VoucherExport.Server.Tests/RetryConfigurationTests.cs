using System.Text.Json;
using VoucherExport.Registry;
using VoucherExport.Server.Tests.Support;
using VoucherExport.Tests.Shared;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests;

/// <summary><c>Exports:RetryAttempts</c>, <c>Exports:RetryDelay</c>, <c>Exports:RetryMaxDelay</c>: read, checked, and used by the registry.</summary>
public sealed class RetryConfigurationTests
{
    [Fact]
    public void TheDefaultsAreTheRegistrysOwn()
    {
        Assert.Equal(ExportRetryOptions.Default, ConfigurationTests.Read().Retry);
    }

    [Fact]
    public void TheThreeSettingsAreRead()
    {
        ExportRetryOptions retry = ConfigurationTests.Read(
            ("Exports:RetryAttempts", "5"), ("Exports:RetryDelay", "00:00:10"), ("Exports:RetryMaxDelay", "00:02:00")).Retry;

        Assert.Equal(new ExportRetryOptions { MaxAttempts = 5, BaseDelay = TimeSpan.FromSeconds(10), MaxDelay = TimeSpan.FromMinutes(2) }, retry);
    }

    [Fact]
    public async Task WithOneAttemptATransientFaultEndsTheExport()
    {
        var source = new FailingOnceSource();
        await using var server = await ServerHarness.StartAsync(
            new Dictionary<string, string?> { ["Exports:RetryAttempts"] = "1" }, source);
        string id = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""");

        // Bounded only so a wiring mistake (the default 2 s pause on a clock that never moves) fails instead of hanging.
        JsonElement final = await server.WaitFinalAsync(id).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal("ERROR", final.GetProperty("status").GetString());
        Assert.Equal(1, source.Reads);
    }

    [Fact]
    public async Task WithTwoAttemptsTheSecondRunFinishesTheExport()
    {
        var source = new FailingOnceSource();
        await using var server = await ServerHarness.StartAsync(
            new Dictionary<string, string?> { ["Exports:RetryAttempts"] = "2", ["Exports:RetryDelay"] = "00:00:00" }, source);
        string id = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""");

        // Bounded only so a wiring mistake (the default 2 s pause on a clock that never moves) fails instead of hanging.
        JsonElement final = await server.WaitFinalAsync(id).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal("DONE", final.GetProperty("status").GetString());
        Assert.Equal(FailingOnceSource.RowCount, final.GetProperty("result").GetProperty("rows").GetInt64());
        Assert.Equal(2, source.Reads);
    }
}

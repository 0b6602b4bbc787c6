using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using VoucherExport.Registry;
using VoucherExport.Server.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests;

/// <summary><c>Exports:RetryAttempts</c>, <c>Exports:RetryDelay</c>, <c>Exports:RetryMaxDelay</c>: read, checked, and used by the registry.</summary>
public sealed class RetryConfigurationTests
{
    private static ServerOptions Read(params (string Key, string? Value)[] settings) => ServerOptions.FromConfiguration(
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build(),
        "/srv/voucher-export");

    [Fact]
    public void TheDefaultsAreTheRegistrysOwn()
    {
        Assert.Equal(ExportRetryOptions.Default, Read().Retry);
    }

    [Fact]
    public void TheThreeSettingsAreRead()
    {
        ExportRetryOptions retry = Read(
            ("Exports:RetryAttempts", "5"), ("Exports:RetryDelay", "00:00:10"), ("Exports:RetryMaxDelay", "00:02:00")).Retry;

        Assert.Equal(new ExportRetryOptions { MaxAttempts = 5, BaseDelay = TimeSpan.FromSeconds(10), MaxDelay = TimeSpan.FromMinutes(2) }, retry);
    }

    [Theory]
    [InlineData("Exports:RetryAttempts", "0", "Exports:RetryAttempts: must be between 1 and 100, not 0")]
    [InlineData("Exports:RetryAttempts", "101", "Exports:RetryAttempts: must be between 1 and 100, not 101")]
    [InlineData("Exports:RetryAttempts", "three", "Exports:RetryAttempts: 'three' is not a whole number")]
    [InlineData("Exports:RetryDelay", "-00:00:01", "Exports:RetryDelay: must not be negative")]
    [InlineData("Exports:RetryDelay", "soon", "Exports:RetryDelay: 'soon' is not a time span")]
    [InlineData("Exports:RetryDelay", "00:01:00", "Exports:RetryMaxDelay: must be at least Exports:RetryDelay (00:01:00), not 00:00:30")]
    [InlineData("Exports:RetryMaxDelay", "00:00:01", "Exports:RetryMaxDelay: must be at least Exports:RetryDelay (00:00:02), not 00:00:01")]
    public void ABadSettingIsRefusedNamingTheKey(string key, string value, string message)
    {
        var e = Assert.Throws<ServerConfigurationException>(() => Read((key, value)));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
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

    /// <summary>A ledger whose first read fails with a transient fault after one batch; every later read succeeds.</summary>
    private sealed class FailingOnceSource : ITransactionSource
    {
        public const int RowCount = 40;

        private readonly VoucherTransaction[] _rows = new DemoLedger(RowCount, 7).Transactions().ToArray();
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public SourcePushdown Plan(TransactionQuery query) => SourcePushdown.None;

        public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
            TransactionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            bool fail = Interlocked.Increment(ref _reads) == 1;
            await Task.Yield();
            yield return _rows.AsMemory(0, RowCount / 2);
            if (fail)
            {
                throw new TransientExportException("the ledger connection dropped");
            }

            yield return _rows.AsMemory(RowCount / 2);
        }
    }
}

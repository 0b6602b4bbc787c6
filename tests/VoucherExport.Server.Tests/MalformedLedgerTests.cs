using System.Text.Json;
using Microsoft.Extensions.Logging;
using VoucherExport.Server.Tests.Support;

namespace VoucherExport.Server.Tests;

/// <summary><c>Ledger:MalformedRows</c>: a bad ledger row ends the export in ERROR naming the line, or is skipped, counted and logged.</summary>
public sealed class MalformedLedgerTests : IDisposable
{
    private readonly string _ledger = Path.Combine(Path.GetTempPath(), $"vx-malformed-{Guid.NewGuid():N}.jsonl");

    public MalformedLedgerTests() => File.WriteAllText(_ledger, """
        {"id":"vtx_1","type":"T","created_at":"2024-01-01T00:00:00Z"}
        {"id":"vtx_2","type":"T","created_at":"2024-01-01T00:00:01Z","reason":12}
        {"id":"vtx_3","type":"T","created_at":"2024-01-01T00:00:02Z"}

        """);

    public void Dispose() => File.Delete(_ledger);

    [Fact]
    public async Task ByDefaultTheExportEndsInErrorNamingTheLine()
    {
        await using var server = await ServerHarness.StartAsync(new Dictionary<string, string?> { ["Ledger:Path"] = _ledger });
        string id = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""");

        JsonElement final = await server.WaitFinalAsync(id);

        Assert.Equal("ERROR", final.GetProperty("status").GetString());
        Assert.Equal("invalid_ledger", final.GetProperty("error").GetProperty("key").GetString());
        Assert.Contains("line 2: reason", final.GetProperty("error").GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(server.DataFolder, id)) && Directory.EnumerateFiles(Path.Combine(server.DataFolder, id)).Any());
    }

    [Fact]
    public async Task WithSkipTheRowIsLeftOutCountedAndLogged()
    {
        var logs = new CapturingLoggerProvider();
        await using var server = await ServerHarness.StartAsync(
            new Dictionary<string, string?> { ["Ledger:Path"] = _ledger, ["Ledger:MalformedRows"] = "Skip" }, logs: logs);
        string id = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""");

        JsonElement final = await server.WaitFinalAsync(id);
        await server.LogsSettledAsync();

        Assert.Equal("DONE", final.GetProperty("status").GetString());
        Assert.Equal(2, final.GetProperty("result").GetProperty("rows").GetInt64());
        Assert.Equal(1, final.GetProperty("result").GetProperty("skipped_rows").GetInt64());
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning
            && e.Message.Contains("without 1 malformed ledger row(s)", StringComparison.Ordinal) && e.Scopes.Any(s => s.Contains(id, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AnUnknownPolicyIsAConfigurationError()
    {
        var e = await Assert.ThrowsAsync<ServerConfigurationException>(() => ServerHarness.StartAsync(
            new Dictionary<string, string?> { ["Ledger:Path"] = _ledger, ["Ledger:MalformedRows"] = "Ignore" }));
        Assert.Equal("Ledger:MalformedRows", e.Key);
    }
}

using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using VoucherExport.Testing;

namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// PostgreSQL drops a running export's ledger connection (an administrator's <c>pg_terminate_backend</c>, as a
/// failover does): the export is run again by the retry policy and ends DONE with the right bytes, and the instance
/// keeps serving.
/// </summary>
public class LostConnectionTests
{
    [ServiceFact]
    public async Task ALedgerConnectionLostMidRunIsRetriedAndTheInstanceKeepsServing()
    {
        await using var cluster = await ServiceCluster.CreateAsync(rows: 1_000);
        ServerProcess a = await cluster.StartAsync("vx-lost", new Dictionary<string, string> { ["Exports__RetryDelay"] = "00:00:00.200" });
        string campaign = cluster.Ledger.Vouchers[0].CampaignId!;
        const string Parameters = """{"order":"created_at","fields":["id","amount","created_at"]}""";

        await using NpgsqlConnection holder = await cluster.Database.DataSource.OpenConnectionAsync();
        NpgsqlTransaction transaction = await holder.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand($"LOCK TABLE \"{cluster.Database.Schema}\".voucher_transactions IN ACCESS EXCLUSIVE MODE", holder, transaction))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        JsonElement created = await ServiceCluster.CreateAsync(a, $"/v1/campaigns/{campaign}/transactions/export", $$"""{"parameters":{{Parameters}}}""");
        string id = created.GetProperty("id").GetString()!;
        var deadline = Stopwatch.StartNew();
        while (await cluster.BlockedReadsAsync("vx-lost") == 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(1), "the export did not start");
            await Task.Delay(50);
        }

        // The running read's connection is cut; the lock is then released so the retry can read.
        await using (var terminate = cluster.Database.DataSource.CreateCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'vx-lost' AND wait_event_type = 'Lock'"))
        {
            Assert.Equal(1L, await terminate.ExecuteScalarAsync());
        }

        await transaction.RollbackAsync();
        JsonElement done = await ServiceCluster.WaitFinalAsync(a, id);
        Assert.Equal("DONE", done.GetProperty("status").GetString());
        byte[] whole = await ServiceCluster.DownloadAsync(done.GetProperty("result").GetProperty("url").GetString()!);
        Assert.Equal(await cluster.ExpectedAsync("--campaign", campaign, Parameters), whole);

        // Still serving: a new export runs to the end.
        JsonElement next = await ServiceCluster.CreateAsync(a, "/v1/exports", """{"exported_object":"voucher_transactions"}""");
        Assert.Equal("DONE", (await ServiceCluster.WaitFinalAsync(a, next.GetProperty("id").GetString()!)).GetProperty("status").GetString());
    }
}

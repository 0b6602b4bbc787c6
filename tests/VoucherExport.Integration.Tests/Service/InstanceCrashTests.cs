using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using VoucherExport.Testing;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// Three <c>voucher-export serve</c> processes; one is killed (<c>kill -9</c>) while it holds running exports and is
/// started again. Every export still ends DONE once, and its download through another instance than the one that
/// created it is byte-identical to <c>voucher-export export</c> of the same ledger.
/// </summary>
public class InstanceCrashTests
{
    private static readonly Dictionary<string, string> s_settings = new()
    {
        ["Exports__MaxConcurrent"] = "2",

        // A short lease so the killed instance's exports are taken over within seconds.
        ["Exports__LeaseDuration"] = "00:00:04",
    };

    [ServiceFact]
    public async Task AKilledInstancesExportsFinishElsewhereWithTheSameBytes()
    {
        await using var cluster = await ServiceCluster.CreateAsync(rows: 2_000);
        ServerProcess[] instances =
        [
            await cluster.StartAsync("vx-1", s_settings),
            await cluster.StartAsync("vx-2", s_settings),
            await cluster.StartAsync("vx-3", s_settings),
        ];
        VoucherInfo voucher = cluster.Ledger.Vouchers[0];
        (string Path, string Parameters, string ScopeOption, string ScopeValue)[] requests =
        [
            ($"/v1/campaigns/{voucher.CampaignId}/transactions/export", """{"order":"created_at","fields":["id","amount","created_at"]}""", "--campaign", voucher.CampaignId!),
            ($"/v1/campaigns/{voucher.CampaignId}/transactions/export", """{"order":"-created_at","fields":["id","type","balance","details"]}""", "--campaign", voucher.CampaignId!),
            ($"/v1/vouchers/{voucher.Code}/transactions/export", """{"order":"-created_at"}""", "--voucher", voucher.Code),
            ($"/v1/campaigns/{voucher.CampaignId}/transactions/export", """{"filters":{"amount":{"conditions":{"$more_than":[0]}}}}""", "--campaign", voucher.CampaignId!),
            ($"/v1/campaigns/{voucher.CampaignId}/transactions/export", """{"order":"created_at","fields":["id","voucher_id","source_id"]}""", "--campaign", voucher.CampaignId!),
            ($"/v1/vouchers/{voucher.Code}/transactions/export", """{"order":"created_at","fields":["id","amount"]}""", "--voucher", voucher.Code),
        ];

        // The ledger is held locked, so every export is claimed and stays in flight until the kill.
        await using NpgsqlConnection holder = await cluster.Database.DataSource.OpenConnectionAsync();
        NpgsqlTransaction transaction = await holder.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand($"LOCK TABLE \"{cluster.Database.Schema}\".voucher_transactions IN ACCESS EXCLUSIVE MODE", holder, transaction))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        var created = new List<(string Id, int Creator)>();
        for (int i = 0; i < requests.Length; i++)
        {
            JsonElement export = await ServiceCluster.CreateAsync(instances[i % 3], requests[i].Path, $$"""{"parameters":{{requests[i].Parameters}}}""");
            created.Add((export.GetProperty("id").GetString()!, i % 3));
        }

        // Kill the instance holding the most runs, while they wait on the lock.
        var deadline = Stopwatch.StartNew();
        int victim = -1;
        while (victim < 0)
        {
            int[] blocked = [await cluster.BlockedReadsAsync("vx-1"), await cluster.BlockedReadsAsync("vx-2"), await cluster.BlockedReadsAsync("vx-3")];
            if (blocked.Sum() == requests.Length)
            {
                victim = Array.IndexOf(blocked, blocked.Max());
            }
            else
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(1), $"only {blocked.Sum()} of {requests.Length} exports started");
                await Task.Delay(50);
            }
        }

        await instances[victim].KillAsync();
        instances[victim] = await cluster.StartAsync($"vx-{victim + 1}-again", s_settings);
        await transaction.RollbackAsync();

        for (int i = 0; i < requests.Length; i++)
        {
            var (id, creator) = created[i];
            ServerProcess other = instances[(creator + 1) % 3];
            JsonElement done = await ServiceCluster.WaitFinalAsync(other, id);
            Assert.Equal("DONE", done.GetProperty("status").GetString());
            byte[] whole = await ServiceCluster.DownloadAsync(done.GetProperty("result").GetProperty("url").GetString()!);
            byte[] expected = await cluster.ExpectedAsync(requests[i].ScopeOption, requests[i].ScopeValue, requests[i].Parameters);
            Assert.Equal(expected, whole);
        }

        // Each export was finished by one run: DONE once in the registry, with one claim more for the killed instance's.
        await using var attempts = cluster.Database.DataSource.CreateCommand(
            $"SELECT count(*) FILTER (WHERE status = 'DONE'), count(*) FILTER (WHERE attempts > 1) FROM \"{cluster.Database.Schema}\".voucher_exports");
        await using var reader = await attempts.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(requests.Length, reader.GetInt64(0));
        Assert.True(reader.GetInt64(1) >= 1, "no export was taken over from the killed instance");
    }
}

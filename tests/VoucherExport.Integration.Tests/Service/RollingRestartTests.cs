using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using VoucherExport.Testing;

namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// A rolling restart: each of two <c>serve</c> processes in turn is stopped (SIGTERM, a short drain) while it holds
/// running exports, and started again, while the client keeps creating and polling on the instance that is up. No
/// request fails, and every export ends DONE with the right bytes: a stopped instance hands its runs back to the shared
/// registry instead of failing them.
/// </summary>
public class RollingRestartTests
{
    private const string Parameters = """{"order":"-created_at","fields":["id","amount","balance","created_at"]}""";

    private static readonly Dictionary<string, string> s_settings = new()
    {
        ["Exports__DrainTimeout"] = "00:00:01",
        ["Exports__MaxConcurrent"] = "2",
    };

    [ServiceFact]
    public async Task StoppingEachInstanceInTurnFailsNoExport()
    {
        await using var cluster = await ServiceCluster.CreateAsync(rows: 1_500);
        ServerProcess[] instances = [await cluster.StartAsync("vx-r0", s_settings), await cluster.StartAsync("vx-r1", s_settings)];
        string campaign = cluster.Ledger.Vouchers[0].CampaignId!;
        string path = $"/v1/campaigns/{campaign}/transactions/export";
        string body = $$"""{"parameters":{{Parameters}}}""";
        var ids = new List<string>();

        for (int turn = 0; turn < 2; turn++)
        {
            // The ledger is held locked, so the instance about to stop holds running exports when it does.
            await using NpgsqlConnection holder = await cluster.Database.DataSource.OpenConnectionAsync();
            NpgsqlTransaction transaction = await holder.BeginTransactionAsync();
            await using (var lockTable = new NpgsqlCommand($"LOCK TABLE \"{cluster.Database.Schema}\".voucher_transactions IN ACCESS EXCLUSIVE MODE", holder, transaction))
            {
                await lockTable.ExecuteNonQueryAsync();
            }

            ServerProcess stopping = instances[turn];
            ServerProcess up = instances[1 - turn];
            for (int i = 0; i < 4; i++)
            {
                ids.Add((await ServiceCluster.CreateAsync(i % 2 == 0 ? stopping : up, path, body)).GetProperty("id").GetString()!);
            }

            var deadline = Stopwatch.StartNew();
            while (await cluster.BlockedReadsAsync($"vx-r{turn}") == 0)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(1), $"vx-r{turn} runs no export");
                await Task.Delay(50);
            }

            await stopping.StopAsync();

            // While it is down the client goes on with the other instance.
            ids.Add((await ServiceCluster.CreateAsync(up, path, body)).GetProperty("id").GetString()!);
            foreach (string id in ids)
            {
                var (status, export) = await ServiceCluster.GetAsync(up, $"/v1/exports/{id}");
                Assert.Equal(200, status);
                Assert.NotEqual("ERROR", export.GetProperty("status").GetString());
            }

            instances[turn] = await cluster.StartAsync($"vx-r{turn}", s_settings);
            await transaction.RollbackAsync();
        }

        byte[] expected = await cluster.ExpectedAsync("--campaign", campaign, Parameters);
        foreach (string id in ids)
        {
            JsonElement done = await ServiceCluster.WaitFinalAsync(instances[0], id);
            Assert.Equal("DONE", done.GetProperty("status").GetString());
            Assert.Equal(expected, await ServiceCluster.DownloadAsync(done.GetProperty("result").GetProperty("url").GetString()!));
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using VoucherExport.Demo;
using VoucherExport.Testing;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// Three <c>voucher-export serve</c> processes on one PostgreSQL registry and ledger and one bucket take 60 exports
/// round-robin (voucher, campaign, loyalty member and generic scopes, both orders, filters, chunks of 40 rows, gzip on
/// two instances and plain on the third). Half-way through, one instance is killed (<c>kill -9</c>) while it holds
/// running exports and is started again. Every export still ends DONE once, and its download through another instance
/// than the one that created it is byte-identical to <c>voucher-export export</c> of the same ledger. Then all three
/// are stopped and started again: every export is still listed and its stored URL still downloads.
/// </summary>
public class InstanceCrashTests
{
    private const int Exports = 60;
    private const int MaxConcurrent = 2;

    private static readonly Dictionary<string, string> s_settings = new()
    {
        ["Exports__MaxConcurrent"] = MaxConcurrent.ToString(CultureInfo.InvariantCulture),

        // A short lease so the killed instance's exports are taken over within seconds.
        ["Exports__LeaseDuration"] = "00:00:04",
    };

    [ServiceFact]
    public async Task SixtyExportsSurviveAKilledInstanceAndARestartOfAll()
    {
        await using var cluster = await ServiceCluster.CreateAsync(rows: 2_000);
        ServerProcess[] instances = [await StartAsync(cluster, 0), await StartAsync(cluster, 1), await StartAsync(cluster, 2)];
        Request[] requests = Requests(cluster.Ledger);

        // The first half runs to the end on all three instances.
        var created = new List<(string Id, int Creator, Request Request)>();
        for (int i = 0; i < Exports / 2; i++)
        {
            created.Add(await CreateAsync(instances, i, requests[i % requests.Length]));
        }

        foreach (var (id, creator, _) in created)
        {
            Assert.Equal("DONE", (await ServiceCluster.WaitFinalAsync(instances[(creator + 1) % 3], id)).GetProperty("status").GetString());
        }

        // The second half is created while the ledger is held locked, so every instance claims its share and keeps it
        // in flight until the kill; the rest wait SCHEDULED.
        await using NpgsqlConnection holder = await cluster.Database.DataSource.OpenConnectionAsync();
        NpgsqlTransaction transaction = await holder.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand($"LOCK TABLE \"{cluster.Database.Schema}\".voucher_transactions IN ACCESS EXCLUSIVE MODE", holder, transaction))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        for (int i = Exports / 2; i < Exports; i++)
        {
            created.Add(await CreateAsync(instances, i, requests[i % requests.Length]));
        }

        var deadline = Stopwatch.StartNew();
        int[] blocked = [];
        while (blocked.Sum() < 3 * MaxConcurrent)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(1), $"only {blocked.Sum()} of {3 * MaxConcurrent} runs started");
            await Task.Delay(blocked.Length == 0 ? 0 : 50);
            blocked = [await cluster.BlockedReadsAsync("vx-1"), await cluster.BlockedReadsAsync("vx-2"), await cluster.BlockedReadsAsync("vx-3")];
        }

        int victim = Array.IndexOf(blocked, blocked.Max());
        await instances[victim].KillAsync();
        instances[victim] = await StartAsync(cluster, victim, again: true);
        await transaction.RollbackAsync();

        // Every export DONE, read and downloaded through another instance than its creator, with the CLI's bytes.
        var expected = new Dictionary<Request, byte[]>();
        var urls = new List<string>();
        var chunkNames = new List<string>();
        foreach (var (id, creator, request) in created)
        {
            ServerProcess other = instances[(creator + 1) % 3];
            JsonElement done = await ServiceCluster.WaitFinalAsync(other, id);
            Assert.Equal("DONE", done.GetProperty("status").GetString());
            JsonElement result = done.GetProperty("result");
            string url = result.GetProperty("url").GetString()!;
            Assert.StartsWith($"{other.Address.AbsoluteUri}v1/exports/{id}?token=", url, StringComparison.Ordinal);
            if (!expected.TryGetValue(request, out byte[]? bytes))
            {
                expected[request] = bytes = await cluster.ExpectedAsync(request.ScopeOption, request.ScopeValue, request.Parameters);
            }

            Assert.Equal(bytes, await ServiceCluster.DownloadAsync(url));
            urls.Add(url);
            chunkNames.AddRange(result.GetProperty("chunks").EnumerateArray().Select(c => c.GetProperty("name").GetString()!));
        }

        // Small chunk limits, stored gzip and plain: the whole-export download is the same CSV either way.
        Assert.Contains(chunkNames, n => n.EndsWith(".csv.gz", StringComparison.Ordinal));
        Assert.Contains(chunkNames, n => n.EndsWith(".csv", StringComparison.Ordinal));
        Assert.True(chunkNames.Count >= 3 * Exports, $"{chunkNames.Count} chunks for {Exports} exports: the chunk limit did not split them");

        // Each export was finished by one run: DONE once in the registry, with one claim more for the killed instance's.
        await using (var attempts = cluster.Database.DataSource.CreateCommand(
            $"SELECT count(*), count(*) FILTER (WHERE status = 'DONE'), count(*) FILTER (WHERE attempts > 1) FROM \"{cluster.Database.Schema}\".voucher_exports"))
        {
            await using var reader = await attempts.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal((long)Exports, reader.GetInt64(0));
            Assert.Equal((long)Exports, reader.GetInt64(1));
            Assert.True(reader.GetInt64(2) >= 1, "no export was taken over from the killed instance");
        }

        // All three stopped and started again: every export is listed once on each, and every stored URL downloads
        // (its token, signed with the shared secret, through whichever instance the address now names).
        foreach (ServerProcess instance in instances)
        {
            await instance.StopAsync();
        }

        ServerProcess[] restarted = [await StartAsync(cluster, 3), await StartAsync(cluster, 4), await StartAsync(cluster, 5)];
        string[] ids = [.. created.Select(c => c.Id).Order(StringComparer.Ordinal)];
        foreach (ServerProcess instance in restarted)
        {
            var (status, list) = await ServiceCluster.GetAsync(instance, "/v1/exports?limit=100");
            Assert.Equal(200, status);
            JsonElement[] listed = [.. list.GetProperty("exports").EnumerateArray()];
            Assert.Equal(ids, listed.Select(e => e.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
            Assert.All(listed, e => Assert.Equal("DONE", e.GetProperty("status").GetString()));
        }

        for (int i = 0; i < created.Count; i++)
        {
            var (id, creator, request) = created[i];
            ServerProcess oldAddress = instances[(creator + 1) % 3];
            string url = urls[i].Replace(oldAddress.Address.AbsoluteUri, restarted[i % 3].Address.AbsoluteUri, StringComparison.Ordinal);
            Assert.Equal(expected[request], await ServiceCluster.DownloadAsync(url));
        }

        Assert.Equal(0, restarted.Sum(r => r.ErrorLines));
    }

    private static Task<ServerProcess> StartAsync(ServiceCluster cluster, int index, bool again = false) =>
        cluster.StartAsync(again ? $"vx-{index + 1}-again" : $"vx-{index + 1}", new Dictionary<string, string>(s_settings)
        {
            // Two instances store gzip chunks, one plain; a run taken over stores what its instance is set to.
            ["Exports__Compression"] = index % 3 == 1 ? "none" : "gzip",
        });

    private static async Task<(string Id, int Creator, Request Request)> CreateAsync(ServerProcess[] instances, int i, Request request)
    {
        JsonElement export = await ServiceCluster.CreateAsync(instances[i % 3], request.Path, request.Body);
        return (export.GetProperty("id").GetString()!, i % 3, request);
    }

    /// <summary>Twelve exports the API and the CLI both describe: each scope, both orders, filters of each field kind (an <c>or</c> junction only where no scope is added).</summary>
    private static Request[] Requests(DemoLedger ledger)
    {
        VoucherInfo voucher = ledger.Vouchers[0];
        VoucherInfo other = ledger.Vouchers.First(v => v.Code != voucher.Code);
        VoucherInfo card = ledger.Vouchers.First(v => v.Type == VoucherInfo.LoyaltyCard && v.CampaignId is not null);
        string campaign = voucher.CampaignId!;
        string campaign2 = ledger.Vouchers.Select(v => v.CampaignId).First(c => c is not null && c != campaign)!;
        VoucherTransaction[] byTime = [.. ledger.Transactions().OrderBy(t => t.CreatedAt)];
        string quarter = Iso(byTime[byTime.Length / 4].CreatedAt);
        string middle = Iso(byTime[byTime.Length / 2].CreatedAt);
        string type = byTime[0].Type;
        return
        [
            Scoped($"/v1/vouchers/{voucher.Code}/transactions/export", "--voucher", voucher.Code, """{"order":"created_at","fields":["id","amount","created_at"]}"""),
            Scoped($"/v1/vouchers/{voucher.Code}/transactions/export", "--voucher", voucher.Code, """{"order":"-created_at"}"""),
            Scoped($"/v1/campaigns/{campaign}/transactions/export", "--campaign", campaign, """{"order":"created_at","fields":["id","amount","created_at"]}"""),
            Scoped($"/v1/campaigns/{campaign}/transactions/export", "--campaign", campaign, """{"order":"-created_at","fields":["id","type","balance","details"]}"""),
            Scoped($"/v1/campaigns/{campaign}/transactions/export", "--campaign", campaign, """{"filters":{"amount":{"conditions":{"$more_than":[0]}}}}"""),
            Scoped($"/v1/campaigns/{campaign2}/transactions/export", "--campaign", campaign2,
                $$$$$"""{"order":"-created_at","filters":{"type":{"conditions":{"$in":["{{{{{type}}}}}"]}}}}"""),
            Scoped($"/v1/loyalties/{card.CampaignId}/members/{card.Code}/transactions/export", "--member", card.Code, """{"order":"created_at"}"""),
            Scoped($"/v1/loyalties/{card.CampaignId}/members/{card.Code}/transactions/export", "--member", card.Code,
                """{"order":"-created_at","fields":["id","amount","balance","created_at"]}"""),
            Generic($$$$$"""{"order":"-created_at","fields":["id","voucher_id","amount"],"filters":{"voucher_id":{"conditions":{"$in":["{{{{{voucher.Code}}}}}","{{{{{other.Code}}}}}"]}}}}"""),
            Generic($$$$$"""{"order":"created_at","filters":{"created_at":{"conditions":{"$after":["{{{{{middle}}}}}"]}},"campaign_id":{"conditions":{"$in":["{{{{{campaign}}}}}"]}}}}"""),
            Generic($$$$$"""{"fields":["id","campaign_id","type","amount"],"filters":{"junction":"or","campaign_id":{"conditions":{"$in":["{{{{{campaign2}}}}}"]}},"amount":{"conditions":{"$less_than":[0]}}}}"""),
            Generic($$$$$"""{"order":"created_at","fields":["id","created_at","source_id"],"filters":{"created_at":{"conditions":{"$before":["{{{{{quarter}}}}}"]}}}}"""),
        ];

        static Request Scoped(string path, string option, string value, string parameters) =>
            new(path, $$"""{"parameters":{{parameters}}}""", option, value, parameters);

        static Request Generic(string parameters) =>
            new("/v1/exports", $$"""{"exported_object":"voucher_transactions","parameters":{{parameters}}}""", null, null, parameters);

        static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>One export as the API creates it (<see cref="Path"/>, <see cref="Body"/>) and as the CLI runs it.</summary>
    private sealed record Request(string Path, string Body, string? ScopeOption, string? ScopeValue, string Parameters);
}

using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using VoucherExport.Testing;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// Two <c>voucher-export serve</c> processes on one PostgreSQL registry and ledger and one S3 bucket: any instance answers
/// for any export, a delete on one stops the run on the other, an Idempotency-Key retry on another instance gets the same
/// export, and after every instance restarts the exports are still listed and their URLs still download.
/// </summary>
public class ServiceInstancesTests
{
    private const string Fields = """["id","type","amount","balance","created_at","voucher_id","details"]""";

    [ServiceFact]
    public async Task AnyInstanceAnswersForAnyExportAndEverythingOutlivesARestart()
    {
        await using var cluster = await ServiceCluster.CreateAsync(rows: 3_000);
        ServerProcess a = await cluster.StartAsync("vx-a");
        ServerProcess b = await cluster.StartAsync("vx-b");
        VoucherInfo voucher = cluster.Ledger.Vouchers[0];
        string parameters = $$"""{"order":"-created_at","fields":{{Fields}}}""";

        // Created on A; polled, listed and downloaded on B.
        JsonElement created = await ServiceCluster.CreateAsync(a, $"/v1/campaigns/{voucher.CampaignId}/transactions/export", $$"""{"parameters":{{parameters}}}""");
        string id = created.GetProperty("id").GetString()!;
        JsonElement done = await ServiceCluster.WaitFinalAsync(b, id);
        Assert.Equal("DONE", done.GetProperty("status").GetString());
        var (listed, list) = await ServiceCluster.GetAsync(b, "/v1/exports?limit=100");
        Assert.Equal(200, listed);
        Assert.Contains(list.GetProperty("exports").EnumerateArray(), e => e.GetProperty("id").GetString() == id);

        string url = done.GetProperty("result").GetProperty("url").GetString()!;
        Assert.StartsWith($"{b.Address.AbsoluteUri}v1/exports/{id}?token=", url, StringComparison.Ordinal);
        byte[] whole = await ServiceCluster.DownloadAsync(url);
        byte[] expected = await cluster.ExpectedAsync("--campaign", voucher.CampaignId!, parameters);
        Assert.True(done.GetProperty("result").GetProperty("chunks").GetArrayLength() > 1, "the export should span several chunks");
        Assert.Equal(expected, whole);

        // The same token works through A: every instance accepts every other's URLs.
        byte[] throughA = await ServiceCluster.DownloadAsync(url.Replace(b.Address.AbsoluteUri, a.Address.AbsoluteUri, StringComparison.Ordinal));
        Assert.Equal(expected, throughA);

        // A retry with the same Idempotency-Key on the other instance gets the first export.
        string voucherBody = """{"parameters":{"fields":""" + Fields + "}}";
        JsonElement first = await ServiceCluster.CreateAsync(a, $"/v1/vouchers/{voucher.Code}/transactions/export", voucherBody, "retry-key-1");
        JsonElement retried = await ServiceCluster.CreateAsync(b, $"/v1/vouchers/{voucher.Code}/transactions/export", voucherBody, "retry-key-1");
        Assert.Equal(first.GetProperty("id").GetString(), retried.GetProperty("id").GetString());
        string voucherExport = first.GetProperty("id").GetString()!;

        // Two first requests with one key, sent to both instances at once, still make one export; the key with another body is a 409.
        string path = $"/v1/vouchers/{voucher.Code}/transactions/export";
        JsonElement[] raced = await Task.WhenAll(
            ServiceCluster.CreateAsync(a, path, voucherBody, "race-key"), ServiceCluster.CreateAsync(b, path, voucherBody, "race-key"));
        Assert.Equal(raced[0].GetProperty("id").GetString(), raced[1].GetProperty("id").GetString());
        using (var client = ServiceCluster.Client(b))
        {
            using var reuse = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("""{"parameters":{"fields":["id"]}}""", System.Text.Encoding.UTF8, "application/json") };
            reuse.Headers.Add("Idempotency-Key", "retry-key-1");
            using HttpResponseMessage conflict = await client.SendAsync(reuse);
            Assert.Equal(409, (int)conflict.StatusCode);
        }
        Assert.Equal("DONE", (await ServiceCluster.WaitFinalAsync(a, voucherExport)).GetProperty("status").GetString());

        // An OAuth token from A works on B until it is revoked on A: revocations are shared through the registry's database.
        string token;
        using (var client = ServiceCluster.Client(a))
        {
            using HttpResponseMessage issued = await client.PostAsync(new Uri("/v1/oauth/token", UriKind.Relative),
                new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", "api")]));
            Assert.Equal(200, (int)issued.StatusCode);
            token = JsonDocument.Parse(await issued.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
        }

        Assert.Equal(200, await WithTokenAsync(b, token));
        using (var client = ServiceCluster.Client(a))
        {
            using HttpResponseMessage revoked = await client.PostAsync(new Uri("/v1/oauth/token/revoke", UriKind.Relative),
                new FormUrlEncodedContent([new("access_token", token)]));
            Assert.Equal(204, (int)revoked.StatusCode);
        }

        Assert.Equal(401, await WithTokenAsync(b, token));

        // Every instance stopped and started again: the exports are still listed, and the old URLs still download.
        await a.StopAsync();
        await b.StopAsync();
        ServerProcess a2 = await cluster.StartAsync("vx-a2");
        ServerProcess b2 = await cluster.StartAsync("vx-b2");
        var (relisted, after) = await ServiceCluster.GetAsync(b2, "/v1/exports?limit=100");
        Assert.Equal(200, relisted);
        string[] ids = [.. after.GetProperty("exports").EnumerateArray().Select(e => e.GetProperty("id").GetString()!)];
        Assert.Contains(id, ids);
        Assert.Contains(voucherExport, ids);
        Assert.Equal(expected, await ServiceCluster.DownloadAsync(url.Replace(b.Address.AbsoluteUri, a2.Address.AbsoluteUri, StringComparison.Ordinal)));
        Assert.Equal(0, a2.ErrorLines + b2.ErrorLines);
    }

    private static async Task<int> WithTokenAsync(ServerProcess instance, string token)
    {
        using var client = new HttpClient { BaseAddress = instance.Address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/exports");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using HttpResponseMessage response = await client.SendAsync(request);
        return (int)response.StatusCode;
    }

    [ServiceFact]
    public async Task ADeleteOnOneInstanceStopsTheRunOnTheOther()
    {
        await using var cluster = await ServiceCluster.CreateAsync(rows: 500);
        ServerProcess a = await cluster.StartAsync("vx-a");
        ServerProcess b = await cluster.StartAsync("vx-b");

        // Hold the ledger table, so the export's read waits inside PostgreSQL while its run holds the export.
        await using NpgsqlConnection holder = await cluster.Database.DataSource.OpenConnectionAsync();
        await using NpgsqlTransaction transaction = await holder.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand($"LOCK TABLE \"{cluster.Database.Schema}\".voucher_transactions IN ACCESS EXCLUSIVE MODE", holder, transaction))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        JsonElement created = await ServiceCluster.CreateAsync(a, "/v1/exports", """{"exported_object":"voucher_transactions"}""");
        string id = created.GetProperty("id").GetString()!;

        // Whichever instance claimed it, its read is now blocked on the lock; the delete goes to the other one.
        string? runner = null;
        var deadline = Stopwatch.StartNew();
        while (runner is null)
        {
            runner = await cluster.BlockedReadsAsync("vx-a") > 0 ? "vx-a" : await cluster.BlockedReadsAsync("vx-b") > 0 ? "vx-b" : null;
            Assert.True(runner is not null || deadline.Elapsed < TimeSpan.FromMinutes(1), "no instance started the export");
            if (runner is null)
            {
                await Task.Delay(50);
            }
        }

        ServerProcess other = runner == "vx-a" ? b : a;
        using (var client = ServiceCluster.Client(other))
        {
            using HttpResponseMessage deleted = await client.DeleteAsync(new Uri($"/v1/exports/{id}", UriKind.Relative));
            Assert.Equal(204, (int)deleted.StatusCode);
        }

        // The run stops while the lock is still held: its blocked read is cancelled by the instance that ran it.
        deadline.Restart();
        while (await cluster.BlockedReadsAsync(runner) > 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"the run on {runner} did not stop after the delete on the other instance");
            await Task.Delay(50);
        }

        await transaction.RollbackAsync();
        Assert.Equal(404, (await ServiceCluster.GetAsync(a, $"/v1/exports/{id}")).Status);
        Assert.Equal(404, (await ServiceCluster.GetAsync(b, $"/v1/exports/{id}")).Status);
        Assert.Empty(await cluster.Bucket.KeysAsync($"exports/{id}/"));
        Assert.Empty(await cluster.Bucket.OpenUploadsAsync($"exports/{id}/"));
    }
}

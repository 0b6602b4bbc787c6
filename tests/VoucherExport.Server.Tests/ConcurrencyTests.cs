using System.Net;
using System.Text.Json;
using VoucherExport.Demo;
using VoucherExport.Server.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests;

public class ConcurrencyTests
{
    [Fact]
    public async Task TwentyConcurrentExportsAllFinishWithTheirOwnCorrectRows()
    {
        var ledger = new DemoLedger(3000);
        await using var server = await ServerHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Ledger:DemoRows"] = "3000",
            ["Exports:MaxChunkRows"] = "16",
            ["Exports:MaxConcurrent"] = "4",
        });
        string[] fields = ["id", "voucher_id", "amount", "balance", "created_at"];
        string fieldList = string.Join(',', fields.Select(f => $"\"{f}\""));

        // Twenty vouchers, alternately newest and oldest first, created all at once from two applications.
        var jobs = ledger.Vouchers.Take(20).Select((voucher, i) => (
            Voucher: voucher,
            NewestFirst: i % 2 == 0,
            App: i % 3 == 0 ? ServerHarness.AppB : ServerHarness.AppA)).ToArray();
        string[] ids = await Task.WhenAll(jobs.Select(job => server.CreateAsync(
            $"/v1/vouchers/{job.Voucher.Code}/transactions/export",
            $$$"""{"parameters":{"order":"{{{(job.NewestFirst ? "-created_at" : "created_at")}}}","fields":[{{{fieldList}}}]}}""",
            job.App)));
        Assert.Equal(20, ids.Distinct().Count());

        JsonElement[] finals = await Task.WhenAll(ids.Select((id, i) => server.WaitFinalAsync(id, jobs[i].App)));
        byte[][] downloads = await Task.WhenAll(finals.Select(f => server.DownloadAsync(f.GetProperty("result").GetProperty("url").GetString()!)));
        for (int i = 0; i < jobs.Length; i++)
        {
            Assert.Equal("DONE", finals[i].GetProperty("status").GetString());
            var expected = Expected.Rows(ledger.Transactions(), t => t.VoucherId == jobs[i].Voucher.Id, fields, jobs[i].NewestFirst);
            Assert.NotEmpty(expected);
            Assert.Equal(expected, Expected.ParseCsv(downloads[i]).Rows);
            Assert.Equal(expected.Count, finals[i].GetProperty("result").GetProperty("rows").GetInt64());
        }

        var (_, listA) = await server.GetAsync("/v1/exports?limit=100", ServerHarness.AppA);
        var (_, listB) = await server.GetAsync("/v1/exports?limit=100", ServerHarness.AppB);
        Assert.Equal(jobs.Count(j => j.App == ServerHarness.AppA), listA.GetProperty("total").GetInt32());
        Assert.Equal(jobs.Count(j => j.App == ServerHarness.AppB), listB.GetProperty("total").GetInt32());
    }
}

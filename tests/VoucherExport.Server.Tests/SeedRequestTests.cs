using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using VoucherExport.Demo;
using VoucherExport.Server.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests;

public class SeedRequestTests
{
    /// <summary>The body of the seed page's curl request, byte for byte.</summary>
    internal const string SeedBody = """
        {
          "parameters": {
            "order": "-created_at",
            "fields": [
              "id",
              "type",
              "source_id",
              "reason",
              "balance",
              "amount",
              "created_at",
              "voucher_id",
              "campaign_id",
              "details",
              "source"
            ]
          }
        }
        """;

    [Fact]
    public async Task TheSeedRequestVerbatimGetsTheSeedResponseShapeAndTheRightRows()
    {
        var ledger = new DemoLedger(400);
        VoucherInfo real = ledger.Vouchers[0];

        // The seed's code, HRwc0oHz, names the ledger's first voucher here, so the export has rows to check.
        var vouchers = new InMemoryVoucherDirectory([.. ledger.Vouchers, real with { Code = "HRwc0oHz" }]);
        await using var server = await ServerHarness.StartAsync(source: ledger.AsSource(), vouchers: vouchers);

        // As the seed's curl: Bearer, X-App-Id and X-App-Token together, JSON body.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/vouchers/HRwc0oHz/transactions/export")
        {
            Content = new StringContent(SeedBody, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ServerHarness.TokenA);
        request.Headers.Add("X-App-Id", ServerHarness.AppA);
        request.Headers.Add("X-App-Token", ServerHarness.TokenA);
        var (response, json) = await server.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(
            ["id", "object", "created_at", "status", "channel", "exported_object", "parameters", "result", "user_id"],
            json.EnumerateObject().Select(p => p.Name));
        Assert.Matches("^exp_[A-Za-z0-9]{24}$", json.GetProperty("id").GetString());
        Assert.Equal("export", json.GetProperty("object").GetString());
        Assert.Equal("2023-05-16T08:30:21.496Z", json.GetProperty("created_at").GetString());
        Assert.Equal("SCHEDULED", json.GetProperty("status").GetString());
        Assert.Equal("API", json.GetProperty("channel").GetString());
        Assert.Equal("voucher_transactions", json.GetProperty("exported_object").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("result").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("user_id").ValueKind);

        // The stored parameters: what was sent, plus the server-added voucher_id $in filter with the code from the path.
        JsonElement parameters = json.GetProperty("parameters");
        Assert.Equal("-created_at", parameters.GetProperty("order").GetString());
        Assert.Equal(Expected.SeedFields, parameters.GetProperty("fields").EnumerateArray().Select(f => f.GetString()));
        JsonElement filters = parameters.GetProperty("filters");
        Assert.Equal(["junction", "voucher_id"], filters.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["$in"], filters.GetProperty("voucher_id").GetProperty("conditions").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["HRwc0oHz"],
            filters.GetProperty("voucher_id").GetProperty("conditions").GetProperty("$in").EnumerateArray().Select(v => v.GetString()));

        // And the file holds exactly that voucher's transactions, newest first.
        JsonElement done = await server.WaitFinalAsync(json.GetProperty("id").GetString()!);
        Assert.Equal("DONE", done.GetProperty("status").GetString());
        byte[] csv = await server.DownloadAsync(done.GetProperty("result").GetProperty("url").GetString()!);
        var (header, rows) = Expected.ParseCsv(csv);
        Assert.Equal(["ID", "Type", "Source ID", "Reason", "Balance", "Amount", "Creation Date", "Voucher ID", "Campaign ID", "Details", "Source"], header);
        var expected = Expected.Rows(ledger.Transactions(), t => t.VoucherId == real.Id, Expected.SeedFields);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, rows);
        Assert.Equal(expected.Count, done.GetProperty("result").GetProperty("rows").GetInt64());
    }
}

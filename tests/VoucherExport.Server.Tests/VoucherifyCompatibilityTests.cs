using System.Net;
using System.Text.Json;
using VoucherExport.Demo;
using VoucherExport.Server.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests;

/// <summary>
/// The rows of docs/contract.md's compatibility table that the JS SDK cannot reach (it has no method for them), checked
/// over HTTP: the loyalty campaign route, campaigns by name, resource_id and request_id in errors, other exported objects.
/// </summary>
public class VoucherifyCompatibilityTests : IAsyncLifetime
{
    private static readonly DemoLedger Ledger = new(600);
    private ServerHarness _server = null!;

    private static VoucherInfo Card => Ledger.Vouchers.First(v => v.Type == VoucherInfo.LoyaltyCard);

    private static VoucherInfo Gift => Ledger.Vouchers.First(v => v.Type == VoucherInfo.GiftVoucher);

    public async Task InitializeAsync() => _server = await ServerHarness.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task TheLoyaltyCampaignRouteExportsALoyaltyProgramByIdOrName()
    {
        foreach (string campaign in new[] { Card.CampaignId!, Card.CampaignName! })
        {
            string id = await _server.CreateAsync($"/v1/loyalties/{Uri.EscapeDataString(campaign)}/transactions/export", """{"parameters":{"fields":["id","voucher_id"]}}""");
            JsonElement done = await _server.WaitFinalAsync(id);
            Assert.Equal("DONE", done.GetProperty("status").GetString());
            Assert.Equal(Card.CampaignId, done.GetProperty("parameters").GetProperty("filters").GetProperty("campaign_id")
                .GetProperty("conditions").GetProperty("$in")[0].GetString());
            long expected = Ledger.Transactions().Count(t => t.CampaignId == Card.CampaignId);
            Assert.Equal(expected, done.GetProperty("result").GetProperty("rows").GetInt64());
        }

        // A gift campaign is no loyalty program: 404 on the loyalty route, naming what was asked for.
        var (response, error) = await _server.PostAsync($"/v1/loyalties/{Gift.CampaignId}/transactions/export", null);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(Gift.CampaignId, error.GetProperty("resource_id").GetString());
        Assert.Equal("campaign", error.GetProperty("resource_type").GetString());
        Assert.Contains("GIFT_VOUCHERS", error.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACampaignIsAddressedByNameAsWellAsById()
    {
        string id = await _server.CreateAsync($"/v1/campaigns/{Uri.EscapeDataString(Gift.CampaignName!)}/transactions/export", null);
        JsonElement done = await _server.WaitFinalAsync(id);
        Assert.Equal(Gift.CampaignId, done.GetProperty("parameters").GetProperty("filters").GetProperty("campaign_id")
            .GetProperty("conditions").GetProperty("$in")[0].GetString());
        Assert.Equal(Ledger.Transactions().Count(t => t.CampaignId == Gift.CampaignId), done.GetProperty("result").GetProperty("rows").GetInt64());
    }

    [Fact]
    public async Task StatusIsAcceptedInFieldsAsAnEmptyColumnButCannotBeFiltered()
    {
        string id = await _server.CreateAsync($"/v1/vouchers/{Gift.Code}/transactions/export", """{"parameters":{"fields":["id","status","type"]}}""");
        JsonElement done = await _server.WaitFinalAsync(id);
        Assert.Equal(["id", "status", "type"], done.GetProperty("parameters").GetProperty("fields").EnumerateArray().Select(f => f.GetString()));
        var (header, rows) = Expected.ParseCsv(await _server.DownloadAsync(done.GetProperty("result").GetProperty("url").GetString()!));
        Assert.Equal(["ID", "Status", "Type"], header);
        Assert.Equal(Ledger.Transactions().Count(t => t.VoucherId == Gift.Id), rows.Count);
        Assert.All(rows, row => Assert.Equal("", row[1]));

        var (response, error) = await _server.PostAsync("/v1/exports",
            """{"exported_object":"voucher_transactions","parameters":{"filters":{"status":{"conditions":{"$is":"ACTIVE"}}}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("parameters.filters.status: is not filterable", error.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> NotFound => new()
    {
        // path, resource_type, resource_id
        { "/v1/vouchers/NO-SUCH-CODE/transactions/export", "voucher", "NO-SUCH-CODE" },
        { "/v1/campaigns/No%20such%20campaign/transactions/export", "campaign", "No such campaign" },
        { "/v1/loyalties/camp_nope/transactions/export", "campaign", "camp_nope" },
        { "/v1/loyalties/members/NO-SUCH-CARD/transactions/export", "loyalty_card", "NO-SUCH-CARD" },
    };

    [Theory]
    [MemberData(nameof(NotFound))]
    public async Task A404NamesTheResourceAsVoucherifyDoes(string path, string type, string id)
    {
        var (response, error) = await _server.PostAsync(path, null);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(["code", "key", "message", "details", "resource_id", "resource_type", "request_id"], error.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Resource not found", error.GetProperty("message").GetString());
        Assert.Equal($"Cannot find {type} with id {id}", error.GetProperty("details").GetString());
        Assert.Equal(id, error.GetProperty("resource_id").GetString());
        Assert.Equal(type, error.GetProperty("resource_type").GetString());
        Assert.Matches("^v-[0-9a-f]{18}$", error.GetProperty("request_id").GetString());
        Assert.Equal(error.GetProperty("request_id").GetString(), response.Headers.GetValues("X-Request-Id").Single());
    }

    [Fact]
    public async Task EveryRequestGetsItsOwnRequestIdInVoucherifysForm()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 5; i++)
        {
            var (response, _) = await _server.GetAsync("/v1/exports");
            string id = response.Headers.GetValues("X-Request-Id").Single();
            Assert.Matches("^v-[0-9a-f]{18}$", id);
            Assert.True(ids.Add(id), id);
        }
    }

    [Theory]
    [InlineData("voucher", "'voucher' exports are not served here")]
    [InlineData("redemption", "'redemption' exports are not served here")]
    [InlineData("publication", "'publication' exports are not served here")]
    [InlineData("customer", "'customer' exports are not served here")]
    [InlineData("order", "'order' exports are not served here")]
    [InlineData("points_expiration", "'points_expiration' exports are not served here")]
    [InlineData("vouchers", "'vouchers' is not an exported object")]
    public async Task OtherExportedObjectsAreAClear400(string exported, string problem)
    {
        var (response, error) = await _server.PostAsync("/v1/exports", $$"""{"exported_object":"{{exported}}"}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_payload", error.GetProperty("key").GetString());
        Assert.Equal($"exported_object: {problem}; this server exports only \"voucher_transactions\"", error.GetProperty("details").GetString());
    }
}

using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Registry;

public class ExportRegistryTests
{
    private static readonly VoucherInfo Gift = new("v_HRwc0oHzAAAAAAAAAAAAAAAA", "HRwc0oHz", "camp_gift", "GIFT_VOUCHER") { CampaignName = "Gift campaign" };
    private static readonly VoucherInfo Card = new("v_CardAAAAAAAAAAAAAAAAAAAA", "LC-1", "camp_loyal", "LOYALTY_CARD") { CampaignName = "Loyalty campaign" };
    private static readonly IVoucherDirectory Directory = new InMemoryVoucherDirectory([Gift, Card]);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2023, 5, 16, 8, 30, 21, 496, TimeSpan.Zero));
    private readonly InMemoryChunkSinkFactory _sinks = new();

    // The clock stands at the seed's date (2023) while the rows are of 2024, so the rows are not held to the export's
    // first start here; ResumeTests prove that default.
    private ExportRegistry NewRegistry(ITransactionSource source, int concurrency = 2) =>
        new(new InMemoryExportStore(), source, _sinks,
            new ExportRegistryOptions { MaxConcurrentExports = concurrency, RowsAsOfFirstStart = false }, Directory, _clock);

    private static ITransactionSource Ledger() => new InMemoryTransactionSource(
    [
        Rows.Make(1, voucherId: Gift.Id), Rows.Make(2, voucherId: Card.Id), Rows.Make(3, voucherId: Gift.Id),
    ]);

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static JsonElement ToJson(ExportObject export) => JsonDocument.Parse(ExportJson.ToUtf8(export)).RootElement.Clone();

    [Fact]
    public async Task TheSeedRequestGivesTheSeedResponseShape()
    {
        await using var registry = NewRegistry(Ledger());
        var body = Json("""
            {"parameters":{"order":"-created_at","fields":["id","type","source_id","reason","balance","amount","created_at","voucher_id","campaign_id","details","source"]}}
            """);
        var created = await registry.CreateVoucherTransactionsExportAsync("app", "HRwc0oHz", body.GetProperty("parameters"));
        var json = ToJson(created);

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
        var parameters = json.GetProperty("parameters");
        Assert.Equal("-created_at", parameters.GetProperty("order").GetString());
        Assert.Equal(11, parameters.GetProperty("fields").GetArrayLength());
        var @in = parameters.GetProperty("filters").GetProperty("voucher_id").GetProperty("conditions").GetProperty("$in");
        Assert.Equal(["HRwc0oHz"], @in.EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task AnExportGoesScheduledThenDoneWithItsChunks()
    {
        await using var registry = NewRegistry(Ledger());
        var created = await registry.CreateVoucherTransactionsExportAsync("app", Gift.Code, null);
        Assert.Equal(ExportStatus.Scheduled, created.Status);
        var done = await registry.WaitAsync("app", created.Id);

        Assert.NotNull(done);
        Assert.Equal(ExportStatus.Done, done.Status);
        Assert.Equal(2, done.Result!.Rows);
        var sink = _sinks.Find(created.Id)!;
        var csv = Encoding.UTF8.GetString(sink.Committed[0].Value);
        Assert.Contains("vtx_00000001", csv, StringComparison.Ordinal);
        Assert.Contains("vtx_00000003", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("vtx_00000002", csv, StringComparison.Ordinal);
        Assert.True(csv.IndexOf("vtx_00000003", StringComparison.Ordinal) < csv.IndexOf("vtx_00000001", StringComparison.Ordinal), "-created_at is the default");
    }

    [Fact]
    public async Task ScopesCheckWhatTheyName()
    {
        await using var registry = NewRegistry(Ledger());
        var unknownVoucher = await Assert.ThrowsAsync<ExportValidationException>(() => registry.CreateVoucherTransactionsExportAsync("app", "NOPE", null));
        Assert.Equal(("not_found", 404, "voucher"), (unknownVoucher.Error.Key, unknownVoucher.Error.Code, unknownVoucher.Error.ResourceType));

        var withFilters = await Assert.ThrowsAsync<ExportValidationException>(() => registry.CreateVoucherTransactionsExportAsync(
            "app", Gift.Code, Json("""{"filters":{"type":{"conditions":{"$is":"X"}}}}""")));
        Assert.Equal("invalid_payload", withFilters.Error.Key);
        Assert.Contains("parameters.filters", withFilters.Error.Details, StringComparison.Ordinal);

        var unknownCampaign = await Assert.ThrowsAsync<ExportValidationException>(() => registry.CreateCampaignTransactionsExportAsync("app", "camp_nope", null));
        Assert.Equal("campaign", unknownCampaign.Error.ResourceType);

        var campaignField = await Assert.ThrowsAsync<ExportValidationException>(() => registry.CreateCampaignTransactionsExportAsync(
            "app", "camp_gift", Json("""{"fields":["id","campaign_id"]}""")));
        Assert.Equal("invalid_export_fields", campaignField.Error.Key);
        Assert.Contains("parameters.fields[1]", campaignField.Error.Details, StringComparison.Ordinal);

        var giftAsMember = await Assert.ThrowsAsync<ExportValidationException>(() => registry.CreateLoyaltyMemberTransactionsExportAsync("app", null, Gift.Code, null));
        Assert.Equal(404, giftAsMember.Error.Code);

        var orAcrossScope = await Assert.ThrowsAsync<ExportValidationException>(() => registry.CreateCampaignTransactionsExportAsync(
            "app", "camp_gift", Json("""{"filters":{"junction":"or","type":{"conditions":{"$is":"X"}},"source":{"conditions":{"$is":"API"}}}}""")));
        Assert.Contains("junction", orAcrossScope.Error.Details, StringComparison.Ordinal);

        var page = await registry.ListAsync("app");
        Assert.Equal(0, page.Total);
    }

    [Fact]
    public async Task CampaignAndMemberScopesExportTheirRows()
    {
        await using var registry = NewRegistry(Ledger());
        var campaign = await registry.CreateCampaignTransactionsExportAsync("app", "camp_gift", Json("""{"filters":{"type":{"conditions":{"$is":"CREDITS_ADDITION"}}}}"""));
        var member = await registry.CreateLoyaltyMemberTransactionsExportAsync("app", "camp_loyal", Card.Code, null);
        var generic = await registry.CreateExportAsync("app", Json("""{"exported_object":"voucher_transactions","parameters":{"order":"created_at"}}"""));

        // Rows.Make sets campaign_id camp_1, so the campaign scope matches none of them.
        Assert.Equal(0, (await registry.WaitAsync("app", campaign.Id))!.Result!.Rows);
        Assert.Equal(1, (await registry.WaitAsync("app", member.Id))!.Result!.Rows);
        Assert.Equal(3, (await registry.WaitAsync("app", generic.Id))!.Result!.Rows);
        var stored = ToJson(campaign).GetProperty("parameters").GetProperty("filters");
        Assert.Equal("camp_gift", stored.GetProperty("campaign_id").GetProperty("conditions").GetProperty("$in")[0].GetString());

        // A campaign may be named instead of given by id; the stored filter names the id either way.
        var byName = await registry.CreateCampaignTransactionsExportAsync("app", "Gift campaign", null);
        Assert.Equal("camp_gift", ToJson(byName).GetProperty("parameters").GetProperty("filters")
            .GetProperty("campaign_id").GetProperty("conditions").GetProperty("$in")[0].GetString());
        var memberByCampaignName = await registry.CreateLoyaltyMemberTransactionsExportAsync("app", "Loyalty campaign", Card.Code, null);
        Assert.Equal(1, (await registry.WaitAsync("app", memberByCampaignName.Id))!.Result!.Rows);
        await Assert.ThrowsAsync<ExportValidationException>(() => registry.CreateLoyaltyMemberTransactionsExportAsync("app", "Gift campaign", Card.Code, null));

        var wrongObject = await Assert.ThrowsAsync<ExportValidationException>(() => registry.CreateExportAsync("app", Json("""{"exported_object":"vouchers"}""")));
        Assert.Contains("exported_object", wrongObject.Error.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheLoyaltyCampaignScopeTakesLoyaltyProgramsOnlyAndNoCampaignHasTransactionsUnlessGiftOrLoyalty()
    {
        var discount = new VoucherInfo("v_DiscountAAAAAAAAAAAAAAAAA", "SUMMER-10", "camp_discount", VoucherInfo.DiscountVoucher) { CampaignName = "Summer sale" };
        await using var registry = new ExportRegistry(
            new InMemoryExportStore(), Ledger(), _sinks, new ExportRegistryOptions { MaxConcurrentExports = 1 },
            new InMemoryVoucherDirectory([Gift, Card, discount]), _clock);

        // By id or by name; the stored filter names the id, as the campaign route's does.
        foreach (string idOrName in new[] { "camp_loyal", "Loyalty campaign" })
        {
            var loyalty = await registry.CreateLoyaltyCampaignTransactionsExportAsync("app", idOrName, null);
            Assert.Equal("camp_loyal", ToJson(loyalty).GetProperty("parameters").GetProperty("filters")
                .GetProperty("campaign_id").GetProperty("conditions").GetProperty("$in")[0].GetString());
        }

        foreach (string notLoyalty in new[] { "camp_gift", "Gift campaign", "camp_discount", "camp_nope" })
        {
            var refused = await Assert.ThrowsAsync<ExportValidationException>(() => registry.CreateLoyaltyCampaignTransactionsExportAsync("app", notLoyalty, null));
            Assert.Equal((404, "not_found", "campaign", notLoyalty), (refused.Error.Code, refused.Error.Key, refused.Error.ResourceType, refused.Error.ResourceId));
        }

        var gift = await Assert.ThrowsAsync<ExportValidationException>(() => registry.CreateLoyaltyCampaignTransactionsExportAsync("app", "camp_gift", null));
        Assert.Contains("GIFT_VOUCHERS campaign", gift.Error.Details, StringComparison.Ordinal);

        // A discount campaign has no voucher transactions on either route.
        foreach (string idOrName in new[] { "camp_discount", "Summer sale" })
        {
            var none = await Assert.ThrowsAsync<ExportValidationException>(() => registry.CreateCampaignTransactionsExportAsync("app", idOrName, null));
            Assert.Equal((400, "invalid_payload"), (none.Error.Code, none.Error.Key));
            Assert.Contains("DISCOUNT_COUPONS campaign", none.Error.Details, StringComparison.Ordinal);
        }

        var list = await registry.ListAsync("app", 100, 1, ExportListOrder.CreatedAtAscending);
        Assert.Equal(2, list.Total);
    }

    [Fact]
    public async Task AnApplicationSeesOnlyItsOwnExports()
    {
        await using var registry = NewRegistry(Ledger());
        var mine = await registry.CreateExportAsync("app-a", Json("""{"exported_object":"voucher_transactions"}"""));
        Assert.Null(await registry.GetAsync("app-b", mine.Id));
        Assert.False(await registry.DeleteAsync("app-b", mine.Id));
        Assert.Equal(0, (await registry.ListAsync("app-b")).Total);
        Assert.NotNull(await registry.GetAsync("app-a", mine.Id));
    }

    [Fact]
    public async Task ListPagesAndOrders()
    {
        await using var registry = NewRegistry(Ledger());
        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add((await registry.CreateExportAsync("app", Json("""{"exported_object":"voucher_transactions"}"""))).Id);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        var newest = await registry.ListAsync("app", limit: 2, page: 1);
        Assert.Equal(5, newest.Total);
        Assert.Equal([ids[4], ids[3]], newest.Exports.Select(e => e.Id));
        var oldest = await registry.ListAsync("app", limit: 2, page: 3, ExportListOrder.CreatedAtAscending);
        Assert.Equal([ids[4]], oldest.Exports.Select(e => e.Id));
        await Assert.ThrowsAsync<ExportValidationException>(() => registry.ListAsync("app", limit: 101));
        await Assert.ThrowsAsync<ExportValidationException>(() => registry.ListAsync("app", page: 0));
    }

    [Fact]
    public async Task ConcurrencyIsBoundedAndDeleteCancelsARunningExport()
    {
        var source = new BlockingSource(Rows.Many(10)) { Block = true };
        await using var registry = NewRegistry(source, concurrency: 1);
        var first = await registry.CreateExportAsync("app", Json("""{"exported_object":"voucher_transactions"}"""));
        var second = await registry.CreateExportAsync("app", Json("""{"exported_object":"voucher_transactions"}"""));
        await source.FirstBatchOut;

        var running = await registry.GetAsync("app", first.Id);
        Assert.Equal(ExportStatus.InProgress, running!.Status);
        Assert.NotNull(running.Progress);
        Assert.Equal(ExportStatus.Scheduled, (await registry.GetAsync("app", second.Id))!.Status);

        Assert.True(await registry.DeleteAsync("app", first.Id));
        Assert.Null(await registry.GetAsync("app", first.Id));
        Assert.Empty(_sinks.Find(first.Id)?.Committed ?? []);

        source.Release();
        var done = await registry.WaitAsync("app", second.Id);
        Assert.Equal(ExportStatus.Done, done!.Status);
    }

    [Fact]
    public async Task AFailingExportEndsInErrorWithAReasonAndNoFiles()
    {
        await using var registry = NewRegistry(new BlockingSource(Rows.Many(10), throwAfter: 4));
        var created = await registry.CreateExportAsync("app", Json("""{"exported_object":"voucher_transactions"}"""));
        var failed = await registry.WaitAsync("app", created.Id);

        Assert.Equal(ExportStatus.Error, failed!.Status);
        Assert.Null(failed.Result);
        Assert.Equal("invalid_ledger", failed.Error!.Key);
        Assert.Contains("line 5", failed.Error.Details, StringComparison.Ordinal);
        Assert.Empty(_sinks.Find(created.Id)!.Committed);
        var json = ToJson(failed);
        Assert.Equal("ERROR", json.GetProperty("status").GetString());
        Assert.Equal("invalid_ledger", json.GetProperty("error").GetProperty("key").GetString());
    }

    [Fact]
    public async Task ShutdownEndsRunningExportsInError()
    {
        var source = new BlockingSource(Rows.Many(10)) { Block = true };
        var store = new InMemoryExportStore();
        var registry = new ExportRegistry(store, source, _sinks, new ExportRegistryOptions { MaxConcurrentExports = 1 }, Directory, _clock);
        var created = await registry.CreateExportAsync("app", Json("""{"exported_object":"voucher_transactions"}"""));
        var queued = await registry.CreateExportAsync("app", Json("""{"exported_object":"voucher_transactions"}"""));
        await source.FirstBatchOut;
        await registry.DisposeAsync();

        foreach (var id in new[] { created.Id, queued.Id })
        {
            var job = await store.GetAsync("app", id, CancellationToken.None);
            Assert.Equal(ExportStatus.Error, job!.Export.Status);
            Assert.Equal("export_cancelled", job.Export.Error!.Key);
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => registry.CreateExportAsync("app", Json("""{"exported_object":"voucher_transactions"}""")));
    }

    [Fact]
    public async Task FinalStatesStayFinal()
    {
        var store = new InMemoryExportStore();
        var export = new ExportObject { Id = ExportIds.NewId(), CreatedAt = _clock.GetUtcNow(), Parameters = ExportParameters.Default };
        var job = new ExportJob("app", export, VoucherExport.Csv.CsvFormat.Default, ChunkLimits.Default);
        await store.AddAsync(job, default);
        Assert.False(await store.TryUpdateAsync(job with { Export = export with { Status = ExportStatus.Done } }, ExportStatus.Scheduled, default));
        Assert.True(await store.TryUpdateAsync(job with { Export = export with { Status = ExportStatus.InProgress } }, ExportStatus.Scheduled, default));
        Assert.True(await store.TryUpdateAsync(job with { Export = export with { Status = ExportStatus.Done } }, ExportStatus.InProgress, default));
        foreach (var next in Enum.GetValues<ExportStatus>())
        {
            Assert.False(await store.TryUpdateAsync(job with { Export = export with { Status = next } }, ExportStatus.Done, default));
            Assert.False(ExportStateMachine.CanMove(ExportStatus.Done, next));
            Assert.False(ExportStateMachine.CanMove(ExportStatus.Error, next));
        }
    }

    [Fact]
    public void ExportIdsAreWellFormedAndDistinct()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => ExportIds.NewId()).ToHashSet();
        Assert.Equal(1000, ids.Count);
        Assert.All(ids, id => Assert.True(ExportIds.IsWellFormed(id)));
        Assert.False(ExportIds.IsWellFormed("exp_../../etc/passwdAAAAAAAA"));
    }
}

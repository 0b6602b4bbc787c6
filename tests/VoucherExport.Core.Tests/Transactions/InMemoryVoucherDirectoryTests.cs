using VoucherExport.Demo;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

public class InMemoryVoucherDirectoryTests
{
    private static readonly InMemoryVoucherDirectory Directory = new(
    [
        new VoucherInfo("v_1", "GIFT-1", "camp_g", VoucherInfo.GiftVoucher) { CampaignName = "Gift Cards" },
        new VoucherInfo("v_2", "LC-2", "camp_l", VoucherInfo.LoyaltyCard) { CampaignName = "Loyalty" },
        new VoucherInfo("v_3", "LC-3", "camp_l", VoucherInfo.LoyaltyCard) { CampaignName = "Renamed later" },
        new VoucherInfo("v_4", "DISC-4", "camp_d", VoucherInfo.DiscountVoucher),
        new VoucherInfo("v_5", "LOOSE", null, VoucherInfo.GiftVoucher),
    ]);

    [Theory]
    [InlineData("v_2", "v_2")]
    [InlineData("LC-2", "v_2")]
    [InlineData("LOOSE", "v_5")]
    public async Task FindsAVoucherByCodeOrId(string codeOrId, string id)
        => Assert.Equal(id, (await Directory.FindVoucherAsync(codeOrId))?.Id);

    [Theory]
    [InlineData("v_9")]
    [InlineData("lc-2")]
    [InlineData("")]
    public async Task AnUnknownVoucherIsNull(string codeOrId) => Assert.Null(await Directory.FindVoucherAsync(codeOrId));

    [Theory]
    [InlineData("camp_g", "camp_g", "Gift Cards", CampaignInfo.GiftVouchers)]
    [InlineData("Gift Cards", "camp_g", "Gift Cards", CampaignInfo.GiftVouchers)]
    [InlineData("Loyalty", "camp_l", "Loyalty", CampaignInfo.LoyaltyProgram)]
    [InlineData("camp_d", "camp_d", "camp_d", CampaignInfo.DiscountCoupons)]
    public async Task FindsACampaignByIdOrNameWithItsType(string idOrName, string id, string name, string type)
        => Assert.Equal(new CampaignInfo(id, name, type), await Directory.FindCampaignAsync(idOrName));

    [Theory]
    [InlineData("camp_x")]
    [InlineData("gift cards")]
    [InlineData("Renamed later")]
    public async Task AnUnknownCampaignIsNull(string idOrName) => Assert.Null(await Directory.FindCampaignAsync(idOrName));

    [Fact]
    public async Task DemoCampaignsHaveNamesThatFindThem()
    {
        var ledger = new DemoLedger(2_000, 7);
        var directory = new InMemoryVoucherDirectory(ledger.Vouchers);
        foreach (VoucherInfo voucher in ledger.Vouchers.DistinctBy(v => v.CampaignId))
        {
            CampaignInfo? byName = await directory.FindCampaignAsync(voucher.CampaignName!);
            Assert.Equal(voucher.CampaignId, byName?.Id);
            Assert.Equal(CampaignInfo.TypeOfVouchers(voucher.Type), byName?.Type);
        }
    }
}

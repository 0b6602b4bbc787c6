namespace VoucherExport.Transactions;

/// <summary>A voucher as the export scopes need it: its id, code, campaign and kind.</summary>
/// <param name="Id">The voucher id (<c>v_…</c>).</param>
/// <param name="Code">The voucher code.</param>
/// <param name="CampaignId">The campaign id (<c>camp_…</c>), or null.</param>
/// <param name="Type"><c>GIFT_VOUCHER</c>, <c>LOYALTY_CARD</c> or <c>DISCOUNT_VOUCHER</c>.</param>
public sealed record VoucherInfo(string Id, string Code, string? CampaignId, string Type)
{
    /// <summary>The <see cref="Type"/> of a gift card.</summary>
    public const string GiftVoucher = "GIFT_VOUCHER";

    /// <summary>The <see cref="Type"/> of a loyalty card.</summary>
    public const string LoyaltyCard = "LOYALTY_CARD";

    /// <summary>The <see cref="Type"/> of a discount voucher.</summary>
    public const string DiscountVoucher = "DISCOUNT_VOUCHER";

    /// <summary>The name of the voucher's campaign (Voucherify's voucher field <c>campaign</c>), when known.</summary>
    public string? CampaignName { get; init; }
}

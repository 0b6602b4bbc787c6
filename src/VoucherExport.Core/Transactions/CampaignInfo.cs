namespace VoucherExport.Transactions;

/// <summary>A campaign as the export scopes need it.</summary>
/// <param name="Id">The campaign id (<c>camp_…</c>).</param>
/// <param name="Name">The campaign's name (unique within a project in Voucherify); the id when no name is known.</param>
/// <param name="Type">Voucherify's <c>campaign_type</c>: <c>GIFT_VOUCHERS</c>, <c>LOYALTY_PROGRAM</c>, <c>DISCOUNT_COUPONS</c>, …</param>
public sealed record CampaignInfo(string Id, string Name, string Type)
{
    /// <summary><c>campaign_type</c> of a gift card campaign.</summary>
    public const string GiftVouchers = "GIFT_VOUCHERS";

    /// <summary><c>campaign_type</c> of a loyalty program.</summary>
    public const string LoyaltyProgram = "LOYALTY_PROGRAM";

    /// <summary><c>campaign_type</c> of a discount coupon campaign.</summary>
    public const string DiscountCoupons = "DISCOUNT_COUPONS";

    /// <summary>
    /// The campaign type whose vouchers have <paramref name="voucherType"/> (Voucherify's voucher <c>type</c>):
    /// <c>GIFT_VOUCHER</c> → <c>GIFT_VOUCHERS</c>, <c>LOYALTY_CARD</c> → <c>LOYALTY_PROGRAM</c>,
    /// <c>DISCOUNT_VOUCHER</c> → <c>DISCOUNT_COUPONS</c>; any other value is kept as it is.
    /// </summary>
    public static string TypeOfVouchers(string voucherType) => voucherType switch
    {
        VoucherInfo.GiftVoucher => GiftVouchers,
        VoucherInfo.LoyaltyCard => LoyaltyProgram,
        VoucherInfo.DiscountVoucher => DiscountCoupons,
        _ => voucherType,
    };
}

namespace VoucherExport.Transactions;

/// <summary>A voucher as the export scopes need it: its id, code, campaign and kind.</summary>
/// <param name="Id">The voucher id (<c>v_…</c>).</param>
/// <param name="Code">The voucher code.</param>
/// <param name="CampaignId">The campaign id (<c>camp_…</c>), or null.</param>
/// <param name="Type"><c>GIFT_VOUCHER</c> or <c>LOYALTY_CARD</c>.</param>
public sealed record VoucherInfo(string Id, string Code, string? CampaignId, string Type);

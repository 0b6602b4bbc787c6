using System.Collections.Immutable;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Registry;

/// <summary>
/// Which transactions an export endpoint covers, and the filter clause it adds to the stored parameters
/// (SPEC §2.3: per voucher, per campaign, per loyalty member, or all).
/// </summary>
public abstract record ExportScope
{
    private ExportScope()
    {
    }

    /// <summary>Every transaction (<c>POST /v1/exports</c>).</summary>
    public static ExportScope All { get; } = new AllScope();

    /// <summary>One voucher, by code or <c>v_</c> id.</summary>
    public static ExportScope Voucher(string codeOrId) => new VoucherScope(codeOrId);

    /// <summary>One campaign, by id or name.</summary>
    public static ExportScope Campaign(string campaignId) => new CampaignScope(campaignId, LoyaltyOnly: false);

    /// <summary>One loyalty campaign, by id or name (<c>POST /v1/loyalties/{campaignId}/transactions/export</c>).</summary>
    public static ExportScope LoyaltyCampaign(string campaignId) => new CampaignScope(campaignId, LoyaltyOnly: true);

    /// <summary>One loyalty member's card, optionally within a campaign.</summary>
    public static ExportScope LoyaltyMember(string? campaignId, string memberId) => new LoyaltyMemberScope(campaignId, memberId);

    /// <summary>Checks the scope against the directory and merges its clause into <paramref name="parameters"/>.</summary>
    internal abstract ValueTask<ExportParameters> ApplyAsync(
        ExportParameters parameters, IVoucherDirectory vouchers, CancellationToken cancellationToken);

    private protected static ExportParameters AddClause(ExportParameters parameters, TransactionField field, string value)
    {
        string fieldName = TransactionFields.Name(field);
        var clause = new FieldFilter(field,
            [new FilterCondition(FilterOperator.In, [FilterValue.OfText(value)])]);
        FilterSet? filters = parameters.Filters;
        if (filters is null || filters.Clauses.IsEmpty)
        {
            return parameters with { Filters = new FilterSet(FilterJunction.And, [clause]) };
        }

        foreach (var existing in filters.Clauses)
        {
            if (existing.Field == field)
            {
                throw new ExportValidationException(VoucherifyError.InvalidPayload(
                    $"parameters.filters.{fieldName}", "this export's scope sets this filter; it cannot be given too"));
            }
        }

        // The scope must narrow every row, so it can only join clauses that are ANDed.
        if (filters.Junction == FilterJunction.Or && filters.Clauses.Length > 1)
        {
            throw new ExportValidationException(VoucherifyError.InvalidPayload(
                "parameters.filters.junction",
                "'or' across several clauses cannot be combined with this export's scope; use 'and' or one clause"));
        }

        ImmutableArray<FieldFilter> clauses = filters.Clauses.Add(clause);
        return parameters with { Filters = new FilterSet(FilterJunction.And, clauses) };
    }

    private sealed record AllScope : ExportScope
    {
        internal override ValueTask<ExportParameters> ApplyAsync(
            ExportParameters parameters, IVoucherDirectory vouchers, CancellationToken cancellationToken) => ValueTask.FromResult(parameters);
    }

    private sealed record VoucherScope(string CodeOrId) : ExportScope
    {
        internal override async ValueTask<ExportParameters> ApplyAsync(
            ExportParameters parameters, IVoucherDirectory vouchers, CancellationToken cancellationToken)
        {
            if (await vouchers.FindVoucherAsync(CodeOrId, cancellationToken).ConfigureAwait(false) is null)
            {
                throw new ExportValidationException(VoucherifyError.NotFound("voucher", CodeOrId));
            }

            if (parameters.Filters is not null)
            {
                throw new ExportValidationException(VoucherifyError.InvalidPayload(
                    "parameters.filters", "the per-voucher export takes no filters; the voucher in the path is the filter"));
            }

            return AddClause(parameters, TransactionField.VoucherId, CodeOrId);
        }
    }

    private sealed record CampaignScope(string CampaignId, bool LoyaltyOnly) : ExportScope
    {
        internal override async ValueTask<ExportParameters> ApplyAsync(
            ExportParameters parameters, IVoucherDirectory vouchers, CancellationToken cancellationToken)
        {
            // Voucherify addresses a campaign by its id or its name; the stored filter always names the id.
            CampaignInfo campaign = await vouchers.FindCampaignAsync(CampaignId, cancellationToken).ConfigureAwait(false)
                ?? throw new ExportValidationException(VoucherifyError.NotFound("campaign", CampaignId));

            // The loyalty route knows loyalty programs only: any other campaign is not one of its resources.
            if (LoyaltyOnly && campaign.Type != CampaignInfo.LoyaltyProgram)
            {
                throw new ExportValidationException(VoucherifyError.NotFound("campaign", CampaignId) with
                {
                    Details = $"Cannot find loyalty campaign with id {CampaignId}: it is a {campaign.Type} campaign; "
                        + "POST /v1/campaigns/{campaignId}/transactions/export exports it",
                });
            }

            // Only gift cards and loyalty cards have transactions; a discount, promotion or referral campaign has none to export.
            if (campaign.Type is not (CampaignInfo.GiftVouchers or CampaignInfo.LoyaltyProgram))
            {
                throw new ExportValidationException(VoucherifyError.InvalidPayload(
                    "campaignId", $"campaign {CampaignId} is a {campaign.Type} campaign; only {CampaignInfo.GiftVouchers} and "
                    + $"{CampaignInfo.LoyaltyProgram} campaigns have voucher transactions"));
            }

            int at = parameters.Fields.IndexOf(TransactionField.CampaignId);
            if (at >= 0)
            {
                throw new ExportValidationException(VoucherifyError.InvalidExportFields(
                    $"parameters.fields[{at}]", "campaign_id is implied by the campaign export and cannot be exported"));
            }

            return AddClause(parameters, TransactionField.CampaignId, campaign.Id);
        }
    }

    private sealed record LoyaltyMemberScope(string? CampaignId, string MemberId) : ExportScope
    {
        internal override async ValueTask<ExportParameters> ApplyAsync(
            ExportParameters parameters, IVoucherDirectory vouchers, CancellationToken cancellationToken)
        {
            VoucherInfo? card = await vouchers.FindVoucherAsync(MemberId, cancellationToken).ConfigureAwait(false);
            CampaignInfo? campaign = CampaignId is null
                ? null
                : await vouchers.FindCampaignAsync(CampaignId, cancellationToken).ConfigureAwait(false);
            if (card is null
                || card.Type != VoucherInfo.LoyaltyCard
                || (CampaignId is not null && (campaign is null || card.CampaignId != campaign.Id)))
            {
                throw new ExportValidationException(VoucherifyError.NotFound("loyalty_card", MemberId));
            }

            return AddClause(parameters, TransactionField.VoucherId, MemberId);
        }
    }
}

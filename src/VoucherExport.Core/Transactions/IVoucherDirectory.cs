namespace VoucherExport.Transactions;

/// <summary>Resolves voucher codes and ids, and knows which campaigns exist.</summary>
public interface IVoucherDirectory
{
    /// <summary>Finds a voucher by its code or by its <c>v_</c> id.</summary>
    bool TryFind(string codeOrId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out VoucherInfo? voucher);

    /// <summary>Whether a campaign with this id exists.</summary>
    bool CampaignExists(string campaignId);
}

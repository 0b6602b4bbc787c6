namespace VoucherExport.Transactions;

/// <summary>Resolves voucher codes and ids, and campaigns by id or name.</summary>
/// <remarks>
/// Asynchronous because a directory may live in a database next to the ledger (millions of vouchers are not held in
/// memory); the in-memory directory answers synchronously.
/// </remarks>
public interface IVoucherDirectory
{
    /// <summary>The voucher with this code or <c>v_</c> id; null when there is none.</summary>
    ValueTask<VoucherInfo?> FindVoucherAsync(string codeOrId, CancellationToken cancellationToken = default);

    /// <summary>The campaign with this <c>camp_</c> id or, failing that, this name; null when there is none.</summary>
    ValueTask<CampaignInfo?> FindCampaignAsync(string idOrName, CancellationToken cancellationToken = default);
}

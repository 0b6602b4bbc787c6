namespace VoucherExport.Transactions;

/// <summary>An <see cref="IVoucherDirectory"/> over a list of vouchers held in memory.</summary>
/// <remarks>
/// Campaigns are the ones the vouchers name: a campaign's name is the first <see cref="VoucherInfo.CampaignName"/> given
/// for it (its id when none is), and its type follows from its vouchers' type (<see cref="CampaignInfo.TypeOfVouchers"/>).
/// </remarks>
public sealed class InMemoryVoucherDirectory : IVoucherDirectory
{
    private readonly Dictionary<string, VoucherInfo> _byCodeOrId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CampaignInfo> _campaigns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CampaignInfo> _campaignsByName = new(StringComparer.Ordinal);

    /// <summary>Creates a directory of <paramref name="vouchers"/>.</summary>
    public InMemoryVoucherDirectory(IEnumerable<VoucherInfo> vouchers)
    {
        ArgumentNullException.ThrowIfNull(vouchers);
        foreach (var v in vouchers)
        {
            _byCodeOrId[v.Id] = v;
            _byCodeOrId.TryAdd(v.Code, v);
            if (v.CampaignId is not null && !_campaigns.ContainsKey(v.CampaignId))
            {
                _campaigns[v.CampaignId] = new CampaignInfo(v.CampaignId, v.CampaignName ?? v.CampaignId, CampaignInfo.TypeOfVouchers(v.Type));
            }
        }

        foreach (var campaign in _campaigns.Values)
        {
            _campaignsByName.TryAdd(campaign.Name, campaign);
        }
    }

    /// <summary>A directory that knows no voucher: codes stay unresolved.</summary>
    public static InMemoryVoucherDirectory Empty { get; } = new([]);

    /// <inheritdoc />
    public ValueTask<VoucherInfo?> FindVoucherAsync(string codeOrId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(codeOrId);
        return ValueTask.FromResult(_byCodeOrId.GetValueOrDefault(codeOrId));
    }

    /// <inheritdoc />
    public ValueTask<CampaignInfo?> FindCampaignAsync(string idOrName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idOrName);
        return ValueTask.FromResult(_campaigns.GetValueOrDefault(idOrName) ?? _campaignsByName.GetValueOrDefault(idOrName));
    }
}

namespace VoucherExport.Transactions;

/// <summary>An <see cref="IVoucherDirectory"/> over a list of vouchers held in memory.</summary>
public sealed class InMemoryVoucherDirectory : IVoucherDirectory
{
    private readonly Dictionary<string, VoucherInfo> _byCodeOrId = new(StringComparer.Ordinal);
    private readonly HashSet<string> _campaigns = new(StringComparer.Ordinal);

    /// <summary>Creates a directory of <paramref name="vouchers"/>.</summary>
    public InMemoryVoucherDirectory(IEnumerable<VoucherInfo> vouchers)
    {
        ArgumentNullException.ThrowIfNull(vouchers);
        foreach (var v in vouchers)
        {
            _byCodeOrId[v.Id] = v;
            _byCodeOrId.TryAdd(v.Code, v);
            if (v.CampaignId is not null)
            {
                _campaigns.Add(v.CampaignId);
            }
        }
    }

    /// <summary>A directory that knows no voucher: codes stay unresolved.</summary>
    public static InMemoryVoucherDirectory Empty { get; } = new([]);

    /// <inheritdoc />
    public bool TryFind(string codeOrId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out VoucherInfo? voucher)
        => _byCodeOrId.TryGetValue(codeOrId, out voucher);

    /// <inheritdoc />
    public bool CampaignExists(string campaignId) => _campaigns.Contains(campaignId);
}

using Npgsql;
using VoucherExport.Transactions;

namespace VoucherExport.PostgreSql;

/// <summary>
/// The voucher directory read from the <see cref="PostgresLedgerOptions.VouchersTable"/> beside the ledger: one indexed
/// query per look-up, so millions of vouchers are never held in memory and every instance of a service sees the same ones.
/// </summary>
/// <remarks>
/// A voucher is found by id before code, and a campaign by id before name, as the in-memory directory does. A campaign's
/// type follows from its vouchers' type (<see cref="CampaignInfo.TypeOfVouchers"/>); its name is the <c>campaign</c>
/// column, or its id where that is null.
/// </remarks>
public sealed class PostgresVoucherDirectory : IVoucherDirectory
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _voucherSql;
    private readonly string _campaignSql;

    /// <summary>A directory over <paramref name="options"/>' voucher table, read through <paramref name="dataSource"/>.</summary>
    public PostgresVoucherDirectory(NpgsqlDataSource dataSource, PostgresLedgerOptions? options = null)
    {
        _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        options = (options ?? PostgresLedgerOptions.Default).Validate();
        string table = options.QualifiedVouchersTable;
        _voucherSql = $"SELECT id, code, campaign_id, campaign, type FROM {table} WHERE id = $1 OR code = $1 ORDER BY id = $1 DESC LIMIT 1";
        _campaignSql = $"SELECT campaign_id, coalesce(campaign, campaign_id), type FROM {table} "
            + "WHERE campaign_id = $1 OR (campaign = $1 AND campaign_id IS NOT NULL) ORDER BY campaign_id = $1 DESC LIMIT 1";
    }

    /// <inheritdoc />
    public async ValueTask<VoucherInfo?> FindVoucherAsync(string codeOrId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(codeOrId);
        NpgsqlCommand command = _dataSource.CreateCommand(_voucherSql);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = codeOrId });
            NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                return new VoucherInfo(reader.GetString(0), reader.GetString(1), NullableText(reader, 2), reader.GetString(4))
                {
                    CampaignName = NullableText(reader, 3),
                };
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<CampaignInfo?> FindCampaignAsync(string idOrName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idOrName);
        NpgsqlCommand command = _dataSource.CreateCommand(_campaignSql);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = idOrName });
            NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new CampaignInfo(reader.GetString(0), reader.GetString(1), CampaignInfo.TypeOfVouchers(reader.GetString(2)))
                    : null;
            }
        }
    }

    private static string? NullableText(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}

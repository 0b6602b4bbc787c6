using System.Globalization;
using System.Text;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Csv;

/// <summary>Builds transactions for tests and says, independently of the writer, what each cell should read back as.</summary>
internal static class TestRows
{
    public static readonly DateTimeOffset Start = new(2023, 5, 16, 8, 30, 21, 496, TimeSpan.Zero);

    public static VoucherTransaction Make(
        string id = "vtx_1",
        string type = "CREDITS_REDEMPTION",
        string? reason = null,
        string? sourceId = null,
        string? source = "API",
        long? amount = -1000,
        long? balance = 9000,
        DateTimeOffset? createdAt = null,
        string? details = """{"balance":{"amount":-1000,"balance":9000}}""",
        string? voucherId = "v_1",
        string? campaignId = "camp_1",
        string? related = null) => new()
        {
            Id = id,
            Type = type,
            Reason = reason,
            SourceId = sourceId,
            Source = source,
            Amount = amount,
            Balance = balance,
            CreatedAt = createdAt ?? Start,
            Details = details is null ? default : Encoding.UTF8.GetBytes(details),
            VoucherId = voucherId,
            CampaignId = campaignId,
            RelatedTransactionId = related,
        };

    /// <summary>What a CSV reader should return for <paramref name="field"/> of <paramref name="row"/> (formula guard off).</summary>
    /// <summary>Asserts that <paramref name="actual"/> holds every field of <paramref name="expected"/>, the offset of <c>created_at</c> included.</summary>
    public static void AssertSameFields(VoucherTransaction expected, VoucherTransaction actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.SourceId, actual.SourceId);
        Assert.Equal(expected.VoucherId, actual.VoucherId);
        Assert.Equal(expected.CampaignId, actual.CampaignId);
        Assert.Equal(expected.Source, actual.Source);
        Assert.Equal(expected.Reason, actual.Reason);
        Assert.Equal(expected.RelatedTransactionId, actual.RelatedTransactionId);
        Assert.Equal(expected.Amount, actual.Amount);
        Assert.Equal(expected.Balance, actual.Balance);
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.CreatedAt.Offset, actual.CreatedAt.Offset);
        Assert.Equal(expected.Details.ToArray(), actual.Details.ToArray());
    }

    public static string ExpectedCell(VoucherTransaction row, TransactionField field) => field switch
    {
        TransactionField.Id => row.Id,
        TransactionField.Type => row.Type,
        TransactionField.SourceId => row.SourceId ?? "",
        TransactionField.Reason => row.Reason ?? "",
        TransactionField.VoucherId => row.VoucherId ?? "",
        TransactionField.CampaignId => row.CampaignId ?? "",
        TransactionField.RelatedTransactionId => row.RelatedTransactionId ?? "",
        TransactionField.Source => row.Source ?? "",
        TransactionField.Status => "",
        TransactionField.Amount => row.Amount?.ToString(CultureInfo.InvariantCulture) ?? "",
        TransactionField.Balance => row.Balance?.ToString(CultureInfo.InvariantCulture) ?? "",
        TransactionField.CreatedAt => row.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        TransactionField.Details => Encoding.UTF8.GetString(row.Details.Span),
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}

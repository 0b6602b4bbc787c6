using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

/// <summary>Field-by-field equality for transactions, which have no value equality of their own.</summary>
internal static class TransactionAssert
{
    public static void Equal(VoucherTransaction expected, VoucherTransaction actual)
    {
        Assert.True(AreEqual(expected, actual), $"expected {Describe(expected)}\nactual   {Describe(actual)}");
    }

    public static void Equal(IReadOnlyList<VoucherTransaction> expected, IReadOnlyList<VoucherTransaction> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Equal(expected[i], actual[i]);
        }
    }

    public static bool AreEqual(VoucherTransaction a, VoucherTransaction b)
        => a.Id == b.Id && a.SourceId == b.SourceId && a.VoucherId == b.VoucherId && a.CampaignId == b.CampaignId
            && a.Source == b.Source && a.Reason == b.Reason && a.Type == b.Type
            && a.Details.Span.SequenceEqual(b.Details.Span) && a.RelatedTransactionId == b.RelatedTransactionId
            && a.CreatedAt == b.CreatedAt && a.CreatedAt.Offset == b.CreatedAt.Offset
            && a.Amount == b.Amount && a.Balance == b.Balance;

    public static string Describe(VoucherTransaction t)
        => $"{{id={t.Id}, type={t.Type}, source_id={t.SourceId}, voucher_id={t.VoucherId}, campaign_id={t.CampaignId}, "
            + $"source={t.Source}, reason={t.Reason}, related={t.RelatedTransactionId}, created_at={t.CreatedAt:O}, "
            + $"amount={t.Amount}, balance={t.Balance}, details={System.Text.Encoding.UTF8.GetString(t.Details.Span)}}}";
}

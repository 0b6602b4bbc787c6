using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary>The <see cref="ITextFieldReader"/> of each text field.</summary>
internal static class TextFieldReaders
{
    /// <summary><c>id</c></summary>
    public readonly struct IdField : ITextFieldReader
    {
        public static string? Read(VoucherTransaction transaction) => transaction.Id;
    }

    /// <summary><c>type</c></summary>
    public readonly struct TypeField : ITextFieldReader
    {
        public static string? Read(VoucherTransaction transaction) => transaction.Type;
    }

    /// <summary><c>source_id</c></summary>
    public readonly struct SourceIdField : ITextFieldReader
    {
        public static string? Read(VoucherTransaction transaction) => transaction.SourceId;
    }

    /// <summary><c>reason</c></summary>
    public readonly struct ReasonField : ITextFieldReader
    {
        public static string? Read(VoucherTransaction transaction) => transaction.Reason;
    }

    /// <summary><c>voucher_id</c></summary>
    public readonly struct VoucherIdField : ITextFieldReader
    {
        public static string? Read(VoucherTransaction transaction) => transaction.VoucherId;
    }

    /// <summary><c>campaign_id</c></summary>
    public readonly struct CampaignIdField : ITextFieldReader
    {
        public static string? Read(VoucherTransaction transaction) => transaction.CampaignId;
    }

    /// <summary><c>related_transaction_id</c></summary>
    public readonly struct RelatedTransactionIdField : ITextFieldReader
    {
        public static string? Read(VoucherTransaction transaction) => transaction.RelatedTransactionId;
    }

    /// <summary><c>source</c></summary>
    public readonly struct SourceField : ITextFieldReader
    {
        public static string? Read(VoucherTransaction transaction) => transaction.Source;
    }
}

namespace VoucherExport.Parameters;

/// <summary>The exportable fields of a voucher transaction (SPEC §2.2).</summary>
public enum TransactionField
{
    /// <summary><c>id</c></summary>
    Id,
    /// <summary><c>type</c></summary>
    Type,
    /// <summary><c>source_id</c></summary>
    SourceId,
    /// <summary><c>reason</c></summary>
    Reason,
    /// <summary><c>balance</c></summary>
    Balance,
    /// <summary><c>amount</c></summary>
    Amount,
    /// <summary><c>created_at</c></summary>
    CreatedAt,
    /// <summary><c>voucher_id</c></summary>
    VoucherId,
    /// <summary><c>campaign_id</c></summary>
    CampaignId,
    /// <summary><c>details</c></summary>
    Details,
    /// <summary><c>related_transaction_id</c></summary>
    RelatedTransactionId,
    /// <summary><c>source</c></summary>
    Source,
    /// <summary>
    /// <c>status</c>: named by Voucherify's default field list for voucher transactions although a transaction has no
    /// status; accepted in <c>fields</c>, its column is always empty, and it cannot be filtered on.
    /// </summary>
    Status,
}

/// <summary>How a field is compared and formatted.</summary>
public enum FieldKind
{
    /// <summary>Ordinal text.</summary>
    Text,
    /// <summary>A UTC timestamp.</summary>
    Date,
    /// <summary>A 64-bit integer.</summary>
    Number,
    /// <summary>A JSON object (not filterable).</summary>
    Json,
}

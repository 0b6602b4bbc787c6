namespace VoucherExport.Transactions;

/// <summary>One Voucherify voucher transaction (SPEC §3), as the engine exports it.</summary>
/// <remarks>
/// Text fields stay <see cref="string"/> so hosts can build transactions naturally; <see cref="Details"/>
/// stays compact UTF-8 JSON from source to sink and is never re-parsed by the writer.
/// </remarks>
public sealed class VoucherTransaction
{
    /// <summary>The transaction id (<c>vtx_…</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The caller-supplied id of the operation that made the transaction, or null.</summary>
    public string? SourceId { get; init; }

    /// <summary>The voucher id (<c>v_…</c>), or null.</summary>
    public string? VoucherId { get; init; }

    /// <summary>The campaign id (<c>camp_…</c>), or null.</summary>
    public string? CampaignId { get; init; }

    /// <summary>The channel that made the transaction (<c>API</c>, <c>voucherify-web-ui</c>, …), or null.</summary>
    public string? Source { get; init; }

    /// <summary>Free text reason, may hold any character; null when absent.</summary>
    public string? Reason { get; init; }

    /// <summary>The transaction type, e.g. <c>CREDITS_REDEMPTION</c> (see <see cref="TransactionTypes"/>).</summary>
    public required string Type { get; init; }

    /// <summary>The <c>details</c> object as compact UTF-8 JSON; empty means null.</summary>
    public ReadOnlyMemory<byte> Details { get; init; }

    /// <summary>The related transaction id, or null.</summary>
    public string? RelatedTransactionId { get; init; }

    /// <summary>When the transaction was made, in UTC.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary><c>details.balance.amount</c> (gift card cents) or <c>details.balance.points</c> (loyalty points), or null.</summary>
    public long? Amount { get; init; }

    /// <summary><c>details.balance.balance</c>, the balance after the transaction, or null.</summary>
    public long? Balance { get; init; }

    /// <summary>
    /// The byte offset just past this row's line in the JSON Lines file it was read from (0: not read from such a file).
    /// The chunk that ends with this row records it, so that a resumed export can seek there (<see cref="Chunks.ChunkInfo.SourceOffset"/>).
    /// </summary>
    internal long SourceEnd { get; set; }
}

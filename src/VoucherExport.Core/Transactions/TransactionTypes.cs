namespace VoucherExport.Transactions;

/// <summary>The transaction type names of SPEC §3.</summary>
public static class TransactionTypes
{
    /// <summary>Gift card types.</summary>
    public static readonly IReadOnlyList<string> GiftCard =
        ["CREDITS_REDEMPTION", "CREDITS_REFUND", "CREDITS_ADDITION", "CREDITS_REMOVAL"];

    /// <summary>Loyalty card types.</summary>
    public static readonly IReadOnlyList<string> LoyaltyCard =
    [
        "PENDING_POINTS_ACTIVATION", "POINTS_ACCRUAL", "POINTS_REDEMPTION", "POINTS_REFUND", "POINTS_ADDITION",
        "POINTS_REMOVAL", "POINTS_EXPIRATION", "POINTS_TRANSFER_IN", "POINTS_TRANSFER_OUT",
    ];

    /// <summary>The retired loyalty type still accepted on input.</summary>
    public const string RetiredPointsCancellation = "POINTS_CANCELLATION";

    /// <summary>Whether <paramref name="type"/> is a gift-card type (its amount is in cents).</summary>
    public static bool IsGiftCard(string type) => type.StartsWith("CREDITS_", StringComparison.Ordinal);
}

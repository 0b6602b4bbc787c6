namespace VoucherExport.Server;

/// <summary><c>Idempotency:*</c>: how <c>Idempotency-Key</c> requests are remembered; bound by the options binder and checked at start.</summary>
public sealed class IdempotencyOptions
{
    /// <summary>24 hours, as Stripe and the IETF Idempotency-Key draft suggest: longer than any sane client retry loop.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromHours(24);

    /// <summary>A key is a client's retry handle, not an archive: a week is the longest it is kept.</summary>
    public static readonly TimeSpan MaxRetention = TimeSpan.FromDays(7);

    /// <summary><c>Idempotency:Retention</c>: how long a key keeps answering with the same export (more than 0, at most 7 days).</summary>
    public TimeSpan Retention { get; set; } = DefaultRetention;
}

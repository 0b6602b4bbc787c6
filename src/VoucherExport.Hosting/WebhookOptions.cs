namespace VoucherExport.Hosting;

/// <summary>
/// The optional completion webhook (section <c>VoucherExport:Webhook</c>): an HTTP POST of the final export object,
/// signed with HMAC-SHA256, retried with exponential backoff, as Stripe and Shopify notify on finished exports.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>Where to POST; no webhook when empty.</summary>
    public Uri? Url { get; set; }

    /// <summary>The HMAC key (UTF-8); required with a URL. Receivers verify <c>X-VoucherExport-Signature</c> with it.</summary>
    public string? Secret { get; set; }

    /// <summary>Attempts in all, first one included; default 5 (about a minute of retries with the default backoff).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait before the second attempt, doubled each time; default 2 s.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between attempts; default 30 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one attempt may take; default 10 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

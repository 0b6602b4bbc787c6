namespace VoucherExport.Server;

/// <summary>How download URLs are signed and addressed (<c>Downloads:*</c>, bound by the options binder and checked at start).</summary>
public sealed class DownloadOptions
{
    /// <summary>15 minutes: long enough to start a large download, short enough that a leaked URL soon stops working.</summary>
    public static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromMinutes(15);

    /// <summary>A signed URL is a bearer credential; a week is the longest lifetime this server will sign.</summary>
    public static readonly TimeSpan MaxTokenLifetime = TimeSpan.FromDays(7);

    /// <summary>HMAC-SHA256 keys shorter than 32 bytes weaken the signature below its hash strength.</summary>
    public const int MinSecretBytes = 32;

    /// <summary>
    /// <c>Downloads:Secret</c>: the HMAC key as UTF-8 text (at least 32 bytes), or null to generate a random one at start
    /// (download URLs then stop working when the server restarts; set it when several servers share the exports).
    /// </summary>
    public string? Secret { get; set; }

    /// <summary><c>Downloads:TokenLifetime</c>: how long a minted download URL works (more than 0, at most 7 days).</summary>
    public TimeSpan TokenLifetime { get; set; } = DefaultTokenLifetime;

    /// <summary>
    /// <c>Downloads:BaseUrl</c>: the public address download URLs start with (e.g. behind a proxy; absolute http(s), no
    /// query), or null for the address the request came in on.
    /// </summary>
    public Uri? BaseUrl { get; set; }
}

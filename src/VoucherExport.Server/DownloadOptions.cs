namespace VoucherExport.Server;

/// <summary>How download URLs are signed and addressed (<c>Downloads:*</c>).</summary>
public sealed record DownloadOptions
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
    public string? Secret { get; init; }

    /// <summary><c>Downloads:TokenLifetime</c>: how long a minted download URL works.</summary>
    public TimeSpan TokenLifetime { get; init; } = DefaultTokenLifetime;

    /// <summary>
    /// <c>Downloads:BaseUrl</c>: the public address download URLs start with (e.g. behind a proxy), or null for the address
    /// the request came in on.
    /// </summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>Throws <see cref="ServerConfigurationException"/> naming the first bad setting.</summary>
    public DownloadOptions Validate()
    {
        if (Secret is not null && System.Text.Encoding.UTF8.GetByteCount(Secret) < MinSecretBytes)
        {
            throw new ServerConfigurationException("Downloads:Secret", $"must be at least {MinSecretBytes} bytes of UTF-8 (or unset to generate one)");
        }

        if (TokenLifetime <= TimeSpan.Zero || TokenLifetime > MaxTokenLifetime)
        {
            throw new ServerConfigurationException("Downloads:TokenLifetime", $"must be more than 0 and at most {MaxTokenLifetime:c}, not {TokenLifetime:c}");
        }

        if (BaseUrl is not null && (!BaseUrl.IsAbsoluteUri || BaseUrl.Scheme is not ("http" or "https") || BaseUrl.Query.Length > 0))
        {
            throw new ServerConfigurationException("Downloads:BaseUrl", $"must be an absolute http(s) URL without a query, not '{BaseUrl}'");
        }

        return this;
    }
}

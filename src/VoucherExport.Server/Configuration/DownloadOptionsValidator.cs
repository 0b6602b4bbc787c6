using Microsoft.Extensions.Options;
using VoucherExport.Hosting;

namespace VoucherExport.Server;

/// <summary>Checks <c>Downloads:*</c>; with a shared registry the secret is required, so every instance accepts every other's URLs.</summary>
internal sealed class DownloadOptionsValidator(IOptions<RegistryDatabaseOptions> registry) : IValidateOptions<DownloadOptions>
{
    public ValidateOptionsResult Validate(string? name, DownloadOptions options)
    {
        var failures = new ConfigurationFailures();
        if (options.Secret is not null && System.Text.Encoding.UTF8.GetByteCount(options.Secret) < DownloadOptions.MinSecretBytes)
        {
            failures.Add("Downloads:Secret", $"must be at least {DownloadOptions.MinSecretBytes} bytes of UTF-8 (or unset to generate one)");
        }
        else if (options.Secret is null && registry.Value.ConnectionString is not null)
        {
            failures.Add("Downloads:Secret",
                "is required with Registry:ConnectionString: every instance must accept the download URLs the others sign (at least 32 bytes, the same on all)");
        }

        if (options.TokenLifetime <= TimeSpan.Zero || options.TokenLifetime > DownloadOptions.MaxTokenLifetime)
        {
            failures.Add("Downloads:TokenLifetime",
                $"must be more than 0 and at most {DownloadOptions.MaxTokenLifetime:c}, not {options.TokenLifetime:c}");
        }

        if (options.BaseUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https") || url.Query.Length > 0))
        {
            failures.Add("Downloads:BaseUrl", $"must be an absolute http(s) URL without a query, not '{url}'");
        }

        return failures.Result();
    }
}

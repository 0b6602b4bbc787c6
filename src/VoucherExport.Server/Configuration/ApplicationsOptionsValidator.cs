using Microsoft.Extensions.Options;

namespace VoucherExport.Server;

/// <summary>Checks <c>Applications:*</c>: ids without spaces, tokens long enough and each naming one application.</summary>
internal sealed class ApplicationsOptionsValidator : IValidateOptions<ApplicationsOptions>
{
    public ValidateOptionsResult Validate(string? name, ApplicationsOptions options)
    {
        var failures = new ConfigurationFailures();
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, token) in options.Applications.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(id) || id.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                failures.Add($"Applications:{id}", "an application id must be non-empty, without spaces or control characters");
            }
            else if (token is null || token.Length < ServerOptions.MinTokenLength || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                failures.Add($"Applications:{id}", $"the token must be at least {ServerOptions.MinTokenLength} characters, without spaces or control characters");
            }
            else if (!tokens.Add(token))
            {
                // A Bearer token alone must name one application.
                failures.Add($"Applications:{id}", "the token is also another application's token");
            }
        }

        return failures.Result();
    }
}

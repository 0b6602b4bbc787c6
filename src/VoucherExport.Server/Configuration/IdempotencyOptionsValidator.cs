using Microsoft.Extensions.Options;

namespace VoucherExport.Server;

/// <summary>Checks <c>Idempotency:*</c>.</summary>
internal sealed class IdempotencyOptionsValidator : IValidateOptions<IdempotencyOptions>
{
    public ValidateOptionsResult Validate(string? name, IdempotencyOptions options)
    {
        var failures = new ConfigurationFailures();
        if (options.Retention <= TimeSpan.Zero || options.Retention > IdempotencyOptions.MaxRetention)
        {
            failures.Add("Idempotency:Retention", $"must be more than 0 and at most {IdempotencyOptions.MaxRetention:c}, not {options.Retention:c}");
        }

        return failures.Result();
    }
}

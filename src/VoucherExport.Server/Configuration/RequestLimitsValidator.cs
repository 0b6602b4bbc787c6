using Microsoft.Extensions.Options;

namespace VoucherExport.Server;

/// <summary>Checks <c>Limits:*</c>.</summary>
internal sealed class RequestLimitsValidator : IValidateOptions<RequestLimits>
{
    public ValidateOptionsResult Validate(string? name, RequestLimits options)
    {
        var failures = new ConfigurationFailures();
        if (options.MaxBodyBytes < 2)
        {
            failures.Add("Limits:MaxBodyBytes", $"must be at least 2 (the body {{}}), not {options.MaxBodyBytes}");
        }

        if (options.MaxFilterConditions < 1)
        {
            failures.Add("Limits:MaxFilterConditions", $"must be at least 1, not {options.MaxFilterConditions}");
        }

        if (options.MaxInValues < 1)
        {
            failures.Add("Limits:MaxInValues", $"must be at least 1, not {options.MaxInValues}");
        }

        return failures.Result();
    }
}

using Microsoft.Extensions.Options;

namespace VoucherExport.Server;

/// <summary>
/// The failures of one options validator, each <c>Key: problem</c> with the full configuration key, so the first one
/// becomes a <see cref="ServerConfigurationException"/> naming the key.
/// </summary>
internal sealed class ConfigurationFailures
{
    private readonly List<string> _failures = [];

    public void Add(string key, string problem) => _failures.Add($"{key}: {problem}");

    public ValidateOptionsResult Result() => _failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_failures);
}

namespace VoucherExport.Server;

/// <summary>The server's configuration is wrong; the message names the setting (e.g. <c>Ledger:DemoRows</c>) and why.</summary>
public sealed class ServerConfigurationException : Exception
{
    /// <summary>Creates the exception for the setting <paramref name="key"/>.</summary>
    public ServerConfigurationException(string key, string problem)
        : base($"{key}: {problem}")
    {
        Key = key;
    }

    /// <summary>The configuration key that is wrong, e.g. <c>Downloads:TokenLifetime</c>.</summary>
    public string Key { get; }
}

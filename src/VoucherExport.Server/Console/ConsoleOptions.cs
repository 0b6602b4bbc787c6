using Microsoft.Extensions.Configuration;
using VoucherExport.Server.Operations;

namespace VoucherExport.Server.Console;

/// <summary>The console's settings (<c>Console:*</c>).</summary>
internal sealed record ConsoleOptions
{
    /// <summary>The shortest <c>Console:Token</c> accepted: it opens every application's exports.</summary>
    public const int MinTokenLength = 16;

    /// <summary><c>Console:Token</c>: the operator's credential, which sees every application; null when not configured.</summary>
    public string? Token { get; init; }

    /// <summary><c>Console:SessionLifetime</c>: how long a sign-in lasts (default 12 h).</summary>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(12);

    /// <summary><c>Console:MaxExports</c>: the newest exports shown (default 200).</summary>
    public int MaxExports { get; init; } = 200;

    /// <summary><c>Console:RefreshInterval</c>: how often the page asks for fresh figures (default 1 s).</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(1);

    public static ConsoleOptions FromConfiguration(IConfiguration configuration)
    {
        string? token = OperationsSettings.Text(configuration, "Console:Token");
        if (token is not null && token.Length < MinTokenLength)
        {
            throw new ServerConfigurationException("Console:Token", $"must be at least {MinTokenLength} characters (it opens every application's exports)");
        }

        return new ConsoleOptions
        {
            Token = token,
            SessionLifetime = OperationsSettings.TimeSpanOf(
                configuration, "Console:SessionLifetime", TimeSpan.FromHours(12), TimeSpan.FromMinutes(1), TimeSpan.FromDays(7)),
            MaxExports = OperationsSettings.IntOf(configuration, "Console:MaxExports", 200, 1, 10_000),
            RefreshInterval = OperationsSettings.TimeSpanOf(
                configuration, "Console:RefreshInterval", TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(1)),
        };
    }
}

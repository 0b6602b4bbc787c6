namespace VoucherExport.Server.Tests.Support;

/// <summary>
/// A test that drives Debian's Chromium (<see cref="Chromium"/>) with playwright-core from <c>tests/browser/node_modules</c>
/// (<c>npm ci</c> there). Without them it is skipped on a developer machine, but runs (and fails, naming what is missing)
/// when <c>CI=true</c>: a missing browser must never turn CI green.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    public BrowserFactAttribute()
    {
        if (BrowserTools.Missing() is { } missing
            && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = missing;
        }
    }
}

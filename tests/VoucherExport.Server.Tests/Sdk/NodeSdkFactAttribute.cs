namespace VoucherExport.Server.Tests.Sdk;

/// <summary>
/// A test that runs Voucherify's JS SDK under Node (tests/sdk, installed by <c>npm ci</c>, which .ci/run does). Without
/// <c>node</c> or the installed packages it is skipped on a developer machine, but runs and fails when <c>CI=true</c>: a
/// missing toolchain must never turn CI green.
/// </summary>
public sealed class NodeSdkFactAttribute : FactAttribute
{
    /// <summary>Skips unless Node and the packages are there or CI demands the test.</summary>
    public NodeSdkFactAttribute()
    {
        if (SdkFolder.Problem() is { } problem
            && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = problem;
        }
    }
}

namespace VoucherExport.Tests.Support;

/// <summary>
/// A fact about allocation on the asynchronous path, true of Release builds only: a Debug build makes every async state
/// machine a class, so each call allocates even when it completes synchronously. CI builds Release; a Debug run shows
/// the test as skipped with this reason rather than failing it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReleaseOnlyFactAttribute : FactAttribute
{
    /// <summary>Skips the test in Debug builds.</summary>
    public ReleaseOnlyFactAttribute()
    {
#if DEBUG
        Skip = "Debug builds allocate an async state machine at every call; run the tests in Release";
#endif
    }
}

namespace VoucherExport.Integration.Tests.Resume;

/// <summary>
/// The fault a test injects: a plain <see cref="IOException"/>, which the registry counts as transient (a reset
/// connection), so it retries or resumes.
/// </summary>
internal sealed class InjectedTransientFault(HookPoint point, string? chunk)
    : IOException($"injected transient fault at {point}{(chunk is null ? "" : " of " + chunk)}");

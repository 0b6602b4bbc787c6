namespace VoucherExport.Integration.Tests.S3;

/// <summary>A fact that needs the real S3 server: skipped without one, except under CI=true, where it runs and fails.</summary>
public sealed class S3FactAttribute : FactAttribute
{
    public S3FactAttribute()
    {
        if (S3TestSettings.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

using VoucherExport.Integration.Tests.PostgreSql;
using VoucherExport.Integration.Tests.S3;

namespace VoucherExport.Integration.Tests.Resume;

/// <summary>
/// A test that needs both real servers (PostgreSQL from <c>VX_POSTGRES</c>, S3 from <c>VX_S3_*</c>): skipped on a
/// developer machine without them, but run (and failing) under <c>CI=true</c>, so a missing server never turns CI green.
/// </summary>
public sealed class PostgresS3FactAttribute : FactAttribute
{
    /// <summary>Skips unless both servers are configured or CI demands them.</summary>
    public PostgresS3FactAttribute()
    {
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!ci && (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)) || S3TestSettings.SkipReason is not null))
        {
            Skip = "needs VX_POSTGRES and VX_S3_* (eval \"$(scripts/start-postgres)\"; eval \"$(scripts/start-s3)\")";
        }
    }
}

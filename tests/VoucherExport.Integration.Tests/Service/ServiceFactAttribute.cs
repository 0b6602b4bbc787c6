using VoucherExport.Integration.Tests.PostgreSql;
using VoucherExport.Integration.Tests.S3;

namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// A test that needs both real servers (PostgreSQL from <c>VX_POSTGRES</c>, S3 from <c>VX_S3_*</c>). Skipped on a
/// developer machine without them; under <c>CI=true</c> it runs and fails when they are missing.
/// </summary>
public sealed class ServiceFactAttribute : FactAttribute
{
    /// <summary>Skips unless both servers are configured or CI demands them.</summary>
    public ServiceFactAttribute()
    {
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!ci && (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)) || S3TestSettings.SkipReason is not null))
        {
            Skip = "needs VX_POSTGRES and VX_S3_* (eval \"$(scripts/start-services)\")";
        }
    }
}

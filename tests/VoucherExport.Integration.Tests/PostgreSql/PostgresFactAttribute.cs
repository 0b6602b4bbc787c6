namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>
/// A test that needs the real PostgreSQL server named by <c>VX_POSTGRES</c> (see <c>scripts/start-postgres</c>). Without
/// it the test is skipped on a developer machine, but runs (and fails) when <c>CI=true</c>: a missing server must never
/// turn CI green.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    /// <summary>The environment variable holding the connection string.</summary>
    public const string Variable = "VX_POSTGRES";

    /// <summary>Skips unless the server is configured or CI demands it.</summary>
    public PostgresFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable))
            && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = $"{Variable} is not set; run: eval \"$(scripts/start-postgres)\"";
        }
    }
}

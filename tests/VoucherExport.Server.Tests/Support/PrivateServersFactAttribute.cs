namespace VoucherExport.Server.Tests.Support;

/// <summary>
/// A test that starts its own PostgreSQL (initdb + pg_ctl from <see cref="PrivatePostgres.Bin"/>) and its own Ceph S3
/// gateway (scripts/start-s3 in a private folder), so it can stop and start them without touching the shared servers.
/// Skipped on a developer machine without them; run (and failed, naming what is missing) when <c>CI=true</c>.
/// </summary>
public sealed class PrivateServersFactAttribute : FactAttribute
{
    public PrivateServersFactAttribute()
    {
        if (Missing() is { } missing && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = missing;
        }
    }

    public static string? Missing()
    {
        if (!File.Exists(Path.Combine(PrivatePostgres.Bin, "initdb")))
        {
            return $"{PrivatePostgres.Bin}/initdb is missing: run scripts/start-postgres (it installs postgresql-15)";
        }

        if (!File.Exists("/usr/bin/radosgw") || PrivateCeph.Script() is null)
        {
            return "radosgw or scripts/start-s3 is missing: run scripts/start-s3 (it installs radosgw, ceph-mon and ceph-osd)";
        }

        return null;
    }
}

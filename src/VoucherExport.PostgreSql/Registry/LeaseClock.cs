namespace VoucherExport.PostgreSql;

/// <summary>Whose clock a <see cref="PostgresExportStore"/> takes lease times from.</summary>
public enum LeaseClock
{
    /// <summary>The database server's (<c>clock_timestamp()</c>): one clock for every instance.</summary>
    Database,

    /// <summary>The <c>now</c> each call passes (the registry's <see cref="TimeProvider"/>).</summary>
    Caller,
}

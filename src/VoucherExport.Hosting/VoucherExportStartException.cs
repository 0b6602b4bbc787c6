namespace VoucherExport.Hosting;

/// <summary>
/// VoucherExport cannot start: a setting is wrong, or a server it names (PostgreSQL, S3) cannot be reached. The message is
/// one line naming the setting and the cause.
/// </summary>
public sealed class VoucherExportStartException : Exception
{
    /// <summary>Creates the exception for <paramref name="setting"/> (e.g. <c>Registry:ConnectionString</c>, without the section).</summary>
    public VoucherExportStartException(string setting, string problem, Exception? inner = null)
        : base($"{VoucherExportOptions.SectionName}:{setting}: {problem}", inner)
    {
        Setting = setting;
        Problem = problem;
    }

    /// <summary>The setting at fault, relative to the <c>VoucherExport</c> section, e.g. <c>Ledger:ConnectionString</c>.</summary>
    public string Setting { get; }

    /// <summary>What is wrong, without the setting's name.</summary>
    public string Problem { get; }
}

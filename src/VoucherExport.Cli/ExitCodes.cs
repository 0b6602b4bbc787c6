namespace VoucherExport.Cli;

/// <summary>The process exit codes of <c>voucher-export</c>.</summary>
public static class ExitCodes
{
    /// <summary>The export is DONE (or the command succeeded).</summary>
    public const int Done = 0;

    /// <summary>The export ended in ERROR; its error is in the export object on stdout.</summary>
    public const int ExportFailed = 1;

    /// <summary>Bad input: the error JSON is on stderr and nothing was written.</summary>
    public const int BadInput = 2;

    /// <summary>Cancelled by the user (Ctrl+C); nothing of the export is left.</summary>
    public const int Cancelled = 130;
}

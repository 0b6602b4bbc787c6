namespace VoucherExport.Registry;

/// <summary>The names of <see cref="ExportProgress.Phase"/>.</summary>
public static class ExportPhase
{
    /// <summary>Reading, filtering and ordering the rows (only when the source does not deliver the order); nothing is written yet.</summary>
    public const string Sort = "sort";

    /// <summary>Formatting and publishing chunks.</summary>
    public const string Write = "write";
}

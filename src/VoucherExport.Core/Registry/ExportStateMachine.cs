namespace VoucherExport.Registry;

/// <summary>The allowed moves between <see cref="ExportStatus"/> values; final states stay final.</summary>
public static class ExportStateMachine
{
    /// <summary>Whether an export may move from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool CanMove(ExportStatus from, ExportStatus to) => (from, to) switch
    {
        (ExportStatus.Scheduled, ExportStatus.InProgress) => true,
        (ExportStatus.Scheduled, ExportStatus.Error) => true,
        (ExportStatus.InProgress, ExportStatus.InProgress) => true, // progress updates
        (ExportStatus.InProgress, ExportStatus.Done) => true,
        (ExportStatus.InProgress, ExportStatus.Error) => true,
        _ => false,
    };

    /// <summary>Whether <paramref name="status"/> is final.</summary>
    public static bool IsFinal(ExportStatus status) => status is ExportStatus.Done or ExportStatus.Error;

    /// <summary>The wire name, e.g. <c>IN_PROGRESS</c>.</summary>
    public static string Name(ExportStatus status) => status switch
    {
        ExportStatus.Scheduled => "SCHEDULED",
        ExportStatus.InProgress => "IN_PROGRESS",
        ExportStatus.Done => "DONE",
        ExportStatus.Error => "ERROR",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>Parses a wire name.</summary>
    public static ExportStatus Parse(string name) => name switch
    {
        "SCHEDULED" => ExportStatus.Scheduled,
        "IN_PROGRESS" => ExportStatus.InProgress,
        "DONE" => ExportStatus.Done,
        "ERROR" => ExportStatus.Error,
        _ => throw new FormatException($"'{name}' is not an export status"),
    };
}

namespace VoucherExport.Registry;

/// <summary>The lifecycle of an export: <c>SCHEDULED → IN_PROGRESS → DONE | ERROR</c>; DONE and ERROR are final.</summary>
public enum ExportStatus
{
    /// <summary><c>SCHEDULED</c>: accepted, waiting for a worker.</summary>
    Scheduled,
    /// <summary><c>IN_PROGRESS</c>: a worker is writing it.</summary>
    InProgress,
    /// <summary><c>DONE</c>: every chunk and the manifest are published (final).</summary>
    Done,
    /// <summary><c>ERROR</c>: failed or cancelled, nothing of it visible (final).</summary>
    Error,
}

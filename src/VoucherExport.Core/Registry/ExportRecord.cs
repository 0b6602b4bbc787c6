namespace VoucherExport.Registry;

/// <summary>An export as the store holds it, with what an operator wants to see about its runs.</summary>
/// <param name="Job">The export, its dialect and chunk limits; progress is the last one stored (heartbeats).</param>
/// <param name="LeaseOwner">The worker that holds it while <c>IN_PROGRESS</c> (<c>&lt;instance&gt;/&lt;slot&gt;</c>), else null.</param>
/// <param name="LeaseExpiresAt">When that worker's claim runs out unless renewed, else null.</param>
/// <param name="Attempts">Claims so far (more than one: it was taken over after a worker died).</param>
/// <param name="StartedAt">The first claim, or null while it never ran.</param>
/// <param name="UpdatedAt">The last write; for a <c>DONE</c> or <c>ERROR</c> export, when it finished.</param>
public sealed record ExportRecord(
    ExportJob Job, string? LeaseOwner, DateTimeOffset? LeaseExpiresAt, int Attempts, DateTimeOffset? StartedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>When it ended (<c>DONE</c> or <c>ERROR</c>), else null.</summary>
    public DateTimeOffset? FinishedAt => ExportStateMachine.IsFinal(Job.Export.Status) ? UpdatedAt : null;
}

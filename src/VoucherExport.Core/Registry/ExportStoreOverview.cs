namespace VoucherExport.Registry;

/// <summary>The queue at a glance.</summary>
/// <param name="Scheduled">Exports waiting <c>SCHEDULED</c> (the queue depth).</param>
/// <param name="OldestScheduledAt">When the longest-waiting of them was created, or null when none waits.</param>
/// <param name="Running">Exports <c>IN_PROGRESS</c> under a live lease, per instance (the lease owner before its last <c>/</c>), by instance name.</param>
/// <param name="ExpiredLeases">Exports <c>IN_PROGRESS</c> whose lease ran out: their worker died and no other took them over yet.</param>
/// <param name="OldestExpiredLeaseAt">When the longest-expired of those leases ran out, or null.</param>
/// <param name="LastActivityAt">The latest write of any export (created, claimed, heartbeat, finished), or null when there is none.</param>
public sealed record ExportStoreOverview(
    int Scheduled,
    DateTimeOffset? OldestScheduledAt,
    IReadOnlyList<InstanceLoad> Running,
    int ExpiredLeases,
    DateTimeOffset? OldestExpiredLeaseAt,
    DateTimeOffset? LastActivityAt)
{
    /// <summary>The instance part of a lease owner: everything before its last <c>/</c> (registries name workers <c>&lt;name&gt;/&lt;slot&gt;</c>).</summary>
    public static string InstanceOf(string leaseOwner)
    {
        ArgumentNullException.ThrowIfNull(leaseOwner);
        int slash = leaseOwner.LastIndexOf('/');
        return slash > 0 ? leaseOwner[..slash] : leaseOwner;
    }
}

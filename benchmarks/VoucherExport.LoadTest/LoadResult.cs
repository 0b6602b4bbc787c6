namespace VoucherExport.LoadTest;

/// <summary>What one load run saw.</summary>
public sealed record LoadResult
{
    /// <summary>The options it ran with.</summary>
    public required LoadOptions Options { get; init; }

    /// <summary>From the first client's start to the last client's end.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>The part of <see cref="Elapsed"/> after the warm-up, which latencies and rates cover.</summary>
    public required TimeSpan Measured { get; init; }

    /// <summary>Per operation: requests, errors, latency percentiles.</summary>
    public required IReadOnlyList<OperationSummary> Operations { get; init; }

    /// <summary>Unexpected answers, wrong bytes and failed requests; must be 0.</summary>
    public required long Errors { get; init; }

    /// <summary>The first errors, word for word.</summary>
    public required IReadOnlyList<string> FirstErrors { get; init; }

    /// <summary>Exports created (200 SCHEDULED).</summary>
    public required long ExportsCreated { get; init; }

    /// <summary>Exports that ended DONE and whose bytes matched.</summary>
    public required long ExportsDone { get; init; }

    /// <summary>Exports deleted right after creation (queued or running).</summary>
    public required long ExportsCancelled { get; init; }

    /// <summary>Records in the whole-export downloads that matched.</summary>
    public required long RowsVerified { get; init; }

    /// <summary>Downloaded bytes compared with the engine's own output and found equal.</summary>
    public required long BytesVerified { get; init; }

    /// <summary>The most exports the monitor saw IN_PROGRESS in one listing.</summary>
    public required int MaxInProgress { get; init; }

    /// <summary>The most exports the monitor saw SCHEDULED (waiting) in one listing.</summary>
    public required int MaxScheduled { get; init; }

    /// <summary>Listings the monitor took.</summary>
    public required long MonitorSamples { get; init; }

    /// <summary>Completed requests after the warm-up.</summary>
    /// <summary>Iterations cut short by the killed instance (requests in flight to it when it died); not errors of the service.</summary>
    public long LostToKill { get; init; }

    /// <summary>What the kill of <c>--kill-after</c> did; null without one.</summary>
    public KillOutcome? Kill { get; init; }

    public long Requests => Operations.Sum(o => o.Requests);

    /// <summary>Completed requests per second after the warm-up.</summary>
    public double RequestsPerSecond => Requests / Measured.TotalSeconds;
}

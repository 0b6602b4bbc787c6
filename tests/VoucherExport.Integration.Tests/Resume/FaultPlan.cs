namespace VoucherExport.Integration.Tests.Resume;

/// <summary>
/// Faults to inject, each once: at a chunk point (<see cref="HookPoint.BeforeWrite"/>, <see cref="HookPoint.BeforeCommit"/>,
/// <see cref="HookPoint.AfterCommit"/>, <see cref="HookPoint.AfterRecord"/>) of the chunk it names, elsewhere at the point's
/// next occurrence. Thread-safe: the registry's heartbeat and its writer may meet a fault at once.
/// </summary>
internal sealed class FaultPlan
{
    private readonly List<(HookPoint Point, string? Chunk)> _pending;
    private readonly List<(HookPoint Point, string? Chunk)> _fired = [];

    /// <summary>
    /// The plan of <paramref name="faults"/>; a chunk number picks one of <paramref name="chunks"/> (the names the export
    /// publishes, in order), modulo their count.
    /// </summary>
    public FaultPlan(IEnumerable<(HookPoint Point, int Chunk)> faults, IReadOnlyList<string> chunks) =>
        _pending = [.. faults.Select(f => (f.Point, IsChunkPoint(f.Point) ? chunks[f.Chunk % chunks.Count] : null))];

    /// <summary>The faults that fired so far, in order.</summary>
    public IReadOnlyList<string> Fired
    {
        get
        {
            lock (_pending)
            {
                return [.. _fired.Select(f => $"{f.Point}{(f.Chunk is null ? "" : " " + f.Chunk)}")];
            }
        }
    }

    /// <summary>The chunks at which a fault at <paramref name="point"/> fired.</summary>
    public IReadOnlySet<string> FiredAt(HookPoint point)
    {
        lock (_pending)
        {
            return _fired.Where(f => f.Point == point && f.Chunk is not null).Select(f => f.Chunk!).ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>The faults that never fired (their point was not reached).</summary>
    public IReadOnlyList<string> Pending
    {
        get
        {
            lock (_pending)
            {
                return [.. _pending.Select(f => $"{f.Point}{(f.Chunk is null ? "" : " " + f.Chunk)}")];
            }
        }
    }

    /// <summary>Throws <see cref="InjectedTransientFault"/> if a fault not fired yet is planned at <paramref name="point"/> of <paramref name="chunk"/>.</summary>
    public void Fire(HookPoint point, string? chunk)
    {
        lock (_pending)
        {
            int index = _pending.FindIndex(f => f.Point == point && (!IsChunkPoint(point) || chunk == f.Chunk));
            if (index < 0)
            {
                return;
            }

            _fired.Add((point, chunk));
            _pending.RemoveAt(index);
        }

        throw new InjectedTransientFault(point, chunk);
    }

    private static bool IsChunkPoint(HookPoint point) =>
        point is HookPoint.BeforeWrite or HookPoint.BeforeCommit or HookPoint.AfterCommit or HookPoint.AfterRecord;
}

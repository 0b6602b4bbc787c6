using VoucherExport.Chunks;

namespace VoucherExport;

/// <summary>
/// One <c>created_at</c> range of an export split into range tasks (docs/scale.md). A run of it exports only the rows of
/// its range, names its chunks after its task (<c>part-00003-00001.csv</c>), adds no empty chunk and writes no
/// manifest: the registry publishes the tasks' chunks, task by task, as the export's one chunk sequence.
/// </summary>
public sealed record ExportRange
{
    /// <summary>The task's 1-based place in the export's order (task 1 holds the first rows the export writes).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Below 1 or above 99,999.</exception>
    public required int Task
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, ChunkNames.MaxRangeTasks);
            field = value;
        }
    }

    /// <summary>The first instant of the range, included (null: from the first row).</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>The instant the range ends before, excluded (null: to the last row).</summary>
    public DateTimeOffset? Before { get; init; }
}

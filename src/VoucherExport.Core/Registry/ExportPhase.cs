namespace VoucherExport.Registry;

/// <summary>What a running export is doing now.</summary>
public enum ExportPhase
{
    /// <summary>Reading the source into the sort's runs (an export the source does not deliver in order), or starting.</summary>
    Reading,

    /// <summary>Sorting the last run in memory, between reading and the first row written.</summary>
    Sorting,

    /// <summary>Merging the runs spilled to disk, writing the rows as they come out.</summary>
    Merging,

    /// <summary>Writing rows: streamed from the source, or from one sorted run in memory.</summary>
    Writing,
}

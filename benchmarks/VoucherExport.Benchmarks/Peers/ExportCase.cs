namespace VoucherExport.Benchmarks.Peers;

/// <summary>One way of turning the benchmark rows into CSV: the engine in one of its modes, or a peer library.</summary>
internal abstract class ExportCase
{
    /// <summary>A short name for tables.</summary>
    public abstract string Name { get; }

    /// <summary>How many threads format: 1, or the machine's cores.</summary>
    public abstract int Threads { get; }

    /// <summary>Whether the case is one of the engine's.</summary>
    public virtual bool IsEngine => false;

    /// <summary>Writes the header and every row of <paramref name="data"/> as CSV to <paramref name="destination"/>.</summary>
    public abstract void Write(BenchmarkData data, Stream destination);

    /// <summary>The cases of the comparison, engine first; <paramref name="cores"/> is the thread count of the parallel ones.</summary>
    public static ExportCase[] All(int cores) =>
    [
        new EngineCase(parallelism: 1, checksums: false),
        new EngineCase(parallelism: 1, checksums: true),
        new EngineCase(parallelism: cores, checksums: true),
        new CsvHelperCase(),
        new CsvHelperParallelCase(cores),
        new SylvanCase(),
        new SepCase(),
    ];
}

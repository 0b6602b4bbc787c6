using BenchmarkDotNet.Attributes;
using VoucherExport.Benchmarks.Peers;
using VoucherExport.Benchmarks.Sinks;

namespace VoucherExport.Benchmarks.Suites;

/// <summary>
/// The engine beside CsvHelper, Sylvan and Sep, all writing the same 1M rows as the same bytes (checked in the setup,
/// before any timing) to a stream that only counts. The baseline is the engine on one thread without checksums, the
/// figure of the single-core goal.
/// </summary>
[Config(typeof(ShortRunConfig))]
public class ComparisonBenchmarks
{
    private static readonly int s_cores = Environment.ProcessorCount;
    private readonly EngineCase _engineUnhashed = new(parallelism: 1, checksums: false);
    private readonly EngineCase _engineHashed = new(parallelism: 1, checksums: true);
    private readonly EngineCase _engineParallel = new(parallelism: s_cores, checksums: true);
    private readonly CsvHelperCase _csvHelper = new();
    private readonly CsvHelperParallelCase _csvHelperParallel = new(s_cores);
    private readonly SylvanCase _sylvan = new();
    private readonly SepCase _sep = new();
    private BenchmarkData _data = null!;

    [Params(1_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = BenchmarkData.Create(Rows);
        byte[] reference = OutputCheck.Reference(_data);
        Console.WriteLine($"// dataset: {Rows:N0} rows, {reference.Length:N0} bytes of CSV ({reference.Length / (double)Rows:F1} a row)");
        foreach (ExportCase c in new ExportCase[] { _engineUnhashed, _engineParallel, _csvHelper, _csvHelperParallel, _sylvan, _sep })
        {
            string? difference = OutputCheck.Compare(c, _data, reference);
            Console.WriteLine($"// output check, {c.Name}: {difference ?? "same bytes as the engine"}");
        }
    }

    [Benchmark(Baseline = true, Description = "Engine, 1 thread, no SHA-256")]
    public long EngineOneThread() => Run(_engineUnhashed);

    [Benchmark(Description = "Engine, 1 thread, SHA-256")]
    public long EngineOneThreadHashed() => Run(_engineHashed);

    [Benchmark(Description = "Engine, all cores, SHA-256")]
    public long EngineAllCores() => Run(_engineParallel);

    [Benchmark(Description = "CsvHelper WriteField, 1 thread")]
    public long CsvHelperWriteField() => Run(_csvHelper);

    [Benchmark(Description = "CsvHelper ParallelWriteRecords, all cores")]
    public long CsvHelperParallel() => Run(_csvHelperParallel);

    [Benchmark(Description = "Sylvan CsvDataWriter, 1 thread")]
    public long Sylvan() => Run(_sylvan);

    [Benchmark(Description = "Sep Escape, 1 thread")]
    public long Sep() => Run(_sep);

    private long Run(ExportCase exportCase)
    {
        var output = new CountingStream();
        exportCase.Write(_data, output);
        return output.Written;
    }
}

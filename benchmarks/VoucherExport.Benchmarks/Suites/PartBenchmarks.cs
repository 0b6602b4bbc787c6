using System.Buffers;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using VoucherExport.Benchmarks.Sinks;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Benchmarks.Suites;

/// <summary>The stages of the engine one by one, over the same 1M rows: where the time of a run goes.</summary>
[Config(typeof(ShortRunConfig))]
public class PartBenchmarks
{
    /// <summary>A typical filter: one type of a few, a positive amount, and a date range; about a fifth of the rows pass.</summary>
    private const string FilterJson = """
        {"filters":{"junction":"and",
          "type":{"conditions":{"$in":["CREDITS_REDEMPTION","POINTS_ACCRUAL","CREDITS_ADDITION"]}},
          "amount":{"conditions":{"$more_than":[0]}},
          "created_at":{"conditions":{"$after":["2024-01-02T00:00:00Z"]}}}}
        """;

    private static readonly int s_cores = Environment.ProcessorCount;
    private BenchmarkData _data = null!;
    private TransactionPredicate _predicate = null!;
    private VoucherTransaction[] _shuffled = null!;
    private VoucherTransaction[] _sorting = null!;
    private byte[] _csv = null!;
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 20);
    private readonly CsvRecordWriter _records = new(BenchmarkData.Format, BenchmarkData.Fields);

    [Params(1_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = BenchmarkData.Create(Rows);
        _predicate = FilterCompiler.Compile(ExportParametersParser.Parse(System.Text.Encoding.UTF8.GetBytes(FilterJson)).Filters, DateTimeOffset.UtcNow);
        _shuffled = [.. _data.Rows];
        new Random(BenchmarkData.Seed).Shuffle(_shuffled);
        _sorting = new VoucherTransaction[Rows];
        _csv = OutputCheck.Reference(_data);
        Console.WriteLine($"// filter keeps {_data.Rows.Count(_predicate.Matches):N0} of {Rows:N0} rows");
    }

    [IterationSetup(Target = nameof(Sort))]
    public void Unsort() => _shuffled.CopyTo(_sorting, 0);

    [Benchmark(Baseline = true, Description = "CSV writer alone (CsvRecordWriter)")]
    public long Writer()
    {
        long total = 0;
        foreach (VoucherTransaction row in _data.Rows)
        {
            total += _records.WriteRecord(_buffer, row);
            if (_buffer.WrittenCount > 256 * 1024)
            {
                _buffer.ResetWrittenCount();
            }
        }

        _buffer.ResetWrittenCount();
        return total;
    }

    [Benchmark(Description = "Filter (compiled predicate)")]
    public int Filter()
    {
        int kept = 0;
        foreach (VoucherTransaction row in _data.Rows)
        {
            kept += _predicate.Matches(row) ? 1 : 0;
        }

        return kept;
    }

    [Benchmark(Description = "Sort (Array.Sort, TransactionOrder)")]
    public VoucherTransaction Sort()
    {
        Array.Sort(_sorting, TransactionOrder.Descending);
        return _sorting[0];
    }

    [Benchmark(Description = "Chunk sink, 1 thread, SHA-256")]
    public long ChunkSinkOneThread() => WriteChunks(1);

    [Benchmark(Description = "Chunk sink, all cores, SHA-256")]
    public long ChunkSinkAllCores() => WriteChunks(s_cores);

    [Benchmark(Description = "SHA-256 alone over the CSV")]
    public byte[] Sha256Alone()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int i = 0; i < _csv.Length; i += ChunkedCsvWriter.DefaultFlushThreshold)
        {
            hash.AppendData(_csv, i, Math.Min(ChunkedCsvWriter.DefaultFlushThreshold, _csv.Length - i));
        }

        return hash.GetHashAndReset();
    }

    private long WriteChunks(int parallelism)
    {
        var output = new CountingStream();
        var writer = new ChunkedCsvWriter(new StreamChunkSink(output, _records.Preamble.Length), ChunkLimits.Default, _records, parallelism);
        try
        {
            VoucherTransaction[] rows = _data.Rows;
            for (int i = 0; i < rows.Length; i += 1024)
            {
                writer.WriteAsync(rows.AsMemory(i, Math.Min(1024, rows.Length - i)), default).AsTask().GetAwaiter().GetResult();
            }

            writer.CompleteAsync(default).AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return output.Written;
    }
}

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Tests.Csv;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Chunks;

public class GzipChunkingProperties
{
    private static readonly Gen<ChunkLimits> s_limits =
        from maxBytes in Gen.Frequency((2, Gen.Choose(1, 200)), (3, Gen.Choose(200, 1500)), (2, Gen.Choose(1500, 6000)), (1, Gen.Constant(1 << 30)))
        from maxRows in Gen.Frequency((3, Gen.Constant<long?>(null)), (1, Gen.Choose(1, 8).Select(n => (long?)n)))
        from level in Gen.Elements(1, 6, 9)
        select new ChunkLimits { MaxChunkBytes = maxBytes, MaxChunkRows = maxRows, Compression = ChunkCompression.Gzip, CompressionLevel = level };

    [Property(MaxTest = 200)]
    public Property GzipChunksKeepTheLimitDecompressToTheUnchunkedExportAndRepeat() => Prop.ForAll(
        (from format in CsvGen.Format
         from fields in CsvGen.Fields
         from rows in CsvGen.Rows(40)
         from limits in s_limits
         from flushThreshold in Gen.Choose(1, 500)
         from initialBuffer in Gen.Choose(1, 64)
         from batch in Gen.Choose(1, 9)
         select (format, fields, rows, limits, flushThreshold, initialBuffer, batch)).ToArbitrary(),
        input =>
        {
            var records = new CsvRecordWriter(input.format, input.fields);
            var (chunks, bytes) = ChunkedExport.Write(records, input.rows, input.limits, 1, input.flushThreshold, input.initialBuffer, input.batch);
            GzipChunkChecks.Verify(input.format, input.fields, input.rows, input.limits, chunks, bytes);

            // Reproducible: another run, with other buffer sizes and batches, stores the same bytes.
            var (again, againBytes) = ChunkedExport.Write(records, input.rows, input.limits, 1, ChunkedCsvWriter.DefaultFlushThreshold, 64, 1024);
            Assert.Equal(chunks, again);
            Assert.Equal(bytes, againBytes);
        });

    [Property(MaxTest = 120)]
    public Property AnyParallelismGivesTheGzipChunksOfOneThread() => Prop.ForAll(
        (from format in CsvGen.Format
         from fields in CsvGen.Fields
         from rows in CsvGen.Rows(60)
         from limits in s_limits
         from parallelism in Gen.Choose(2, 6)
         from batchBytes in Gen.Choose(1, 2000)
         from callerBatch in Gen.Choose(1, 25)
         select (format, fields, rows, limits, parallelism, batchBytes, callerBatch)).ToArbitrary(),
        input =>
        {
            var records = new CsvRecordWriter(input.format, input.fields);
            var (expectedChunks, expectedBytes) = ChunkedExport.Write(records, input.rows, input.limits, 1, 64, 64, input.callerBatch);
            var (chunks, bytes) = ChunkedExport.Write(records, input.rows, input.limits, input.parallelism, input.batchBytes, 1, input.callerBatch);

            Assert.Equal(expectedChunks, chunks);
            Assert.Equal(expectedBytes, bytes);
            GzipChunkChecks.Verify(input.format, input.fields, input.rows, input.limits, chunks, bytes);
        });

    [Property(MaxTest = 25)]
    public Property DemoLedgerGzipChunksAreFullAndTheSameOnAnyNumberOfThreads() => Prop.ForAll(
        (from count in Gen.Choose(0, 3000)
         from seed in Gen.Choose(1, 1000)
         from maxBytes in Gen.Choose(1_000, 100_000)
         from parallelism in Gen.Choose(2, 4)
         from batchBytes in Gen.Choose(500, 70_000)
         select (count, seed, maxBytes, parallelism, batchBytes)).ToArbitrary(),
        input =>
        {
            var rows = new DemoLedger(input.count, input.seed).Transactions().ToArray();
            var records = new CsvRecordWriter(CsvFormat.Default, TransactionFields.All);
            var limits = new ChunkLimits { MaxChunkBytes = input.maxBytes, Compression = ChunkCompression.Gzip };
            var (expectedChunks, expectedBytes) = ChunkedExport.Write(records, rows, limits, 1, ChunkedCsvWriter.DefaultFlushThreshold, 1024, 1024);
            var (chunks, bytes) = ChunkedExport.Write(records, rows, limits, input.parallelism, input.batchBytes, 1, 1024);

            Assert.Equal(expectedChunks, chunks);
            Assert.Equal(expectedBytes, bytes);
            GzipChunkChecks.Verify(CsvFormat.Default, TransactionFields.All, rows, limits, chunks, bytes);
        });
}

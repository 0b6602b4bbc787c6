using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Demo;
using VoucherExport.Tests.Csv;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Chunks;

public class ParallelChunkingProperties
{
    private static readonly Gen<ChunkLimits> s_plainLimits =
        from maxBytes in Gen.Frequency((3, Gen.Choose(1, 600)), (2, Gen.Choose(600, 4000)), (1, Gen.Constant(1 << 30)))
        from maxRows in Gen.Frequency((2, Gen.Constant<long?>(null)), (1, Gen.Choose(1, 8).Select(n => (long?)n)))
        select new ChunkLimits { MaxChunkBytes = maxBytes, MaxChunkRows = maxRows };

    // Plain and gzip chunks: with gzip, the chunk ends are decided while sealing too, against the encoder's bound.
    private static readonly Gen<ChunkLimits> s_limits = Gen.Frequency((5, s_plainLimits), (4, GzipChunkingProperties.Limits));

    [Property(MaxTest = 270)]
    public Property AnyParallelismGivesTheChunksOfOneThread() => Prop.ForAll(
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
            var (expectedChunks, expectedBytes) = Export(records, input.rows, input.limits, 1, 64, input.callerBatch);
            var (chunks, bytes) = Export(records, input.rows, input.limits, input.parallelism, input.batchBytes, input.callerBatch);

            Assert.Equal(expectedChunks, chunks);
            Assert.Equal(expectedBytes.Count, bytes.Count);
            for (int i = 0; i < bytes.Count; i++)
            {
                Assert.Equal(expectedBytes[i], bytes[i]);
            }

            ChunkChecks.Verify(input.format, input.fields, input.rows, input.limits, chunks, bytes);
        });

    [Property(MaxTest = 65)]
    public Property DemoLedgerRowsGiveTheSameChunksOnAnyNumberOfThreads() => Prop.ForAll(
        (from count in Gen.Choose(0, 3000)
         from seed in Gen.Choose(1, 1000)
         from gzip in Gen.Elements(false, true)
         from maxBytes in gzip ? Gen.Choose(1_000, 100_000) : Gen.Choose(2_000, 400_000)
         from parallelism in Gen.Choose(2, 4)
         from batchBytes in Gen.Choose(500, 70_000)
         select (count, seed, gzip, maxBytes, parallelism, batchBytes)).ToArbitrary(),
        input =>
        {
            var rows = new DemoLedger(input.count, input.seed).Transactions().ToArray();
            var records = new CsvRecordWriter(CsvFormat.Default, VoucherExport.Parameters.TransactionFields.All);
            var limits = new ChunkLimits
            {
                MaxChunkBytes = input.maxBytes,
                Compression = input.gzip ? ChunkCompression.Gzip : ChunkCompression.None,
            };
            var (expectedChunks, expectedBytes) = Export(records, rows, limits, 1, ChunkedCsvWriter.DefaultFlushThreshold, 1024);
            var (chunks, bytes) = Export(records, rows, limits, input.parallelism, input.batchBytes, 1024);

            Assert.Equal(expectedChunks, chunks);
            Assert.Equal(expectedBytes, bytes);
            if (input.gzip)
            {
                // Full gzip chunks, the limit on the stored bytes, and round trips: as for one thread.
                ChunkChecks.Verify(CsvFormat.Default, VoucherExport.Parameters.TransactionFields.All, rows, limits, chunks, bytes);
            }
        });

    private static (IReadOnlyList<ChunkInfo> Chunks, List<byte[]> Bytes) Export(
        CsvRecordWriter records, VoucherTransaction[] rows, ChunkLimits limits, int parallelism, int batchBytes, int callerBatch)
        => ChunkedExport.Write(records, rows, limits, parallelism, batchBytes, Math.Max(1, batchBytes / 3), callerBatch);
}

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
    /// <summary>Gzip limits, small enough that chunks rotate often; shared with the parallel properties.</summary>
    internal static readonly Gen<ChunkLimits> Limits =
        from maxBytes in Gen.Frequency((2, Gen.Choose(1, 200)), (3, Gen.Choose(200, 1500)), (2, Gen.Choose(1500, 6000)), (1, Gen.Constant(1 << 30)))
        from maxRows in Gen.Frequency((3, Gen.Constant<long?>(null)), (1, Gen.Choose(1, 8).Select(n => (long?)n)))
        from level in Gen.Elements(1, 6, 9)
        select new ChunkLimits { MaxChunkBytes = maxBytes, MaxChunkRows = maxRows, Compression = ChunkCompression.Gzip, CompressionLevel = level };

    [Property(MaxTest = 200)]
    public Property GzipChunksKeepTheLimitDecompressToTheUnchunkedExportAndRepeat() => Prop.ForAll(
        (from format in CsvGen.Format
         from fields in CsvGen.Fields
         from rows in CsvGen.Rows(40)
         from limits in Limits
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
}

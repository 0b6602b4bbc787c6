using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Tests.Csv;

namespace VoucherExport.Tests.Chunks;

public class ChunkingProperties
{
    private static readonly Gen<ChunkLimits> s_limits =
        from maxBytes in Gen.Frequency((3, Gen.Choose(1, 600)), (2, Gen.Choose(600, 4000)))
        from maxRows in Gen.Frequency((2, Gen.Constant<long?>(null)), (1, Gen.Choose(1, 8).Select(n => (long?)n)))
        select new ChunkLimits { MaxChunkBytes = maxBytes, MaxChunkRows = maxRows };

    [Property(MaxTest = 250)]
    public Property ChunksKeepTheLimitsAndAddUpToTheUnchunkedExport() => Prop.ForAll(
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
            var sink = new InMemoryChunkSink();
            var records = new CsvRecordWriter(input.format, input.fields);
            IReadOnlyList<ChunkInfo> chunks;
            var writer = new ChunkedCsvWriter(sink, input.limits, records, input.flushThreshold, input.initialBuffer);
            try
            {
                for (int i = 0; i < input.rows.Length; i += input.batch)
                {
                    Completed(writer.WriteAsync(input.rows.AsMemory(i, Math.Min(input.batch, input.rows.Length - i)), default));
                }

                chunks = Completed(writer.CompleteAsync(default));
                Assert.Equal(input.rows.Length, writer.Rows);
                Assert.Equal(chunks.Sum(c => c.Bytes), writer.Bytes);
                Assert.Equal(chunks.Count, writer.Chunks);
            }
            finally
            {
                Completed(writer.DisposeAsync());
            }

            Assert.Equal(0, sink.OpenChunks);
            Assert.Equal(chunks.Select(c => c.Name), sink.Committed.Select(c => c.Key));
            ChunkChecks.Verify(input.format, input.fields, input.rows, input.limits, chunks, [.. sink.Committed.Select(c => c.Value)]);
        });

    // The in-memory sink never goes asynchronous, so the property can stay synchronous.
    private static T Completed<T>(ValueTask<T> task)
    {
        Assert.True(task.IsCompleted);
        return task.Result;
    }

    private static void Completed(ValueTask task)
    {
        Assert.True(task.IsCompleted);
        task.GetAwaiter().GetResult();
    }
}

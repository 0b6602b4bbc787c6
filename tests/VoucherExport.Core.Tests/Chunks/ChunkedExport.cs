using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Chunks;

/// <summary>Writes rows through a <see cref="ChunkedCsvWriter"/> into memory in caller batches, checking its counters on the way.</summary>
internal static class ChunkedExport
{
    public static (IReadOnlyList<ChunkInfo> Chunks, List<byte[]> Bytes) Write(
        CsvRecordWriter records, VoucherTransaction[] rows, ChunkLimits limits, int parallelism, int flushThreshold, int initialBuffer, int callerBatch)
    {
        var sink = new InMemoryChunkSink();
        IReadOnlyList<ChunkInfo> chunks;
        var writer = new ChunkedCsvWriter(sink, limits, records, flushThreshold, initialBuffer, parallelism);
        try
        {
            for (int i = 0; i < rows.Length; i += callerBatch)
            {
                writer.WriteAsync(rows.AsMemory(i, Math.Min(callerBatch, rows.Length - i)), default).AsTask().GetAwaiter().GetResult();
            }

            chunks = writer.CompleteAsync(default).AsTask().GetAwaiter().GetResult();
            Assert.Equal(rows.Length, writer.Rows);
            Assert.Equal(chunks.Sum(c => c.Bytes), writer.Bytes);
            Assert.Equal(chunks.Count, writer.Chunks);
        }
        finally
        {
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        Assert.Equal(0, sink.OpenChunks);
        Assert.Equal(chunks.Select(c => c.Name), sink.Committed.Select(c => c.Key));
        return (chunks, [.. sink.Committed.Select(c => c.Value)]);
    }
}

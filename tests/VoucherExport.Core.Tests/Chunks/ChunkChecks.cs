using System.Buffers;
using System.Collections.Immutable;
using System.Security.Cryptography;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Tests.Csv;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Chunks;

/// <summary>Checks a chunked export against SPEC §5, given the chunks as stored.</summary>
internal static class ChunkChecks
{
    public static void Verify(
        CsvFormat format,
        ImmutableArray<TransactionField> fields,
        IReadOnlyList<VoucherTransaction> rows,
        ChunkLimits limits,
        IReadOnlyList<ChunkInfo> chunks,
        IReadOnlyList<byte[]> stored)
    {
        var records = new CsvRecordWriter(format, fields);
        byte[] preamble = records.Preamble.ToArray();
        var recordBytes = rows.Select(r =>
        {
            var b = new ArrayBufferWriter<byte>();
            new CsvRecordWriter(format, fields).WriteRecord(b, r);
            return b.WrittenSpan.ToArray();
        }).ToArray();

        Assert.NotEmpty(chunks);
        Assert.Equal(chunks.Count, stored.Count);
        Assert.Equal(rows.Count, chunks.Sum(c => c.Rows));

        int next = 0;
        var concatenated = new List<byte>();
        for (int i = 0; i < chunks.Count; i++)
        {
            ChunkInfo chunk = chunks[i];
            byte[] bytes = stored[i];
            Assert.Equal(ChunkInfo.NameFor(i + 1), chunk.Name);
            Assert.Equal(bytes.Length, chunk.Bytes);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), chunk.Sha256);
            Assert.True(bytes.AsSpan().StartsWith(preamble), $"{chunk.Name} starts with the preamble");

            // Over the limit only when one record cannot fit beside the header; then, and only then, it is marked.
            Assert.Equal(chunk.Bytes > limits.MaxChunkBytes, chunk.Oversize);
            if (chunk.Oversize)
            {
                Assert.True(chunk.Rows == 1 || (rows.Count == 0 && preamble.Length > limits.MaxChunkBytes), $"{chunk.Name} is oversize with {chunk.Rows} rows");
            }

            Assert.True(chunk.Rows <= (limits.MaxChunkRows ?? long.MaxValue));
            Assert.True(chunk.Rows >= 1 || rows.Count == 0, $"{chunk.Name} is empty");

            // Greedy: a chunk closes only because its next record would not fit.
            if (i + 1 < chunks.Count)
            {
                int following = recordBytes[next + (int)chunk.Rows].Length;
                Assert.True(
                    chunk.Bytes + following > limits.MaxChunkBytes || chunk.Rows == limits.MaxChunkRows,
                    $"{chunk.Name} was closed while the next record still fit");
            }

            var (header, read) = CsvReading.Read(bytes, format.Delimiter);
            Assert.Equal(fields.Length, header.Length);
            Assert.Equal(chunk.Rows, read.Count);
            for (int r = 0; r < read.Count; r++)
            {
                VoucherTransaction row = rows[next + r];
                Assert.Equal(fields.Select(f => TestRows.ExpectedCell(row, f)), read[r]);
            }

            Assert.Equal(chunk.Rows == 0 ? null : rows[next].CreatedAt, chunk.FirstCreatedAt);
            Assert.Equal(chunk.Rows == 0 ? null : rows[next + (int)chunk.Rows - 1].CreatedAt, chunk.LastCreatedAt);

            concatenated.AddRange(i == 0 ? bytes : bytes[preamble.Length..]);
            next += (int)chunk.Rows;
        }

        byte[] unchunked = [.. preamble, .. recordBytes.SelectMany(b => b)];
        Assert.Equal(unchunked, concatenated.ToArray());
    }
}

using System.Buffers;
using System.Collections.Immutable;
using System.Security.Cryptography;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Tests.Csv;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Chunks;

/// <summary>
/// Checks a chunked export against SPEC §5, given the chunks as stored; with gzip, against the compression contract too
/// (the limit and the checksum on the stored bytes, each chunk decompressing to the CSV a plain chunk would hold).
/// </summary>
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
        bool gzip = limits.Compression == ChunkCompression.Gzip;
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
            Assert.Equal(ChunkInfo.NameFor(i + 1, limits.Compression), chunk.Name);
            Assert.Equal(gzip, chunk.IsGzip);
            Assert.Equal(bytes.Length, chunk.Bytes);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), chunk.Sha256);
            byte[] csv = bytes;
            if (gzip)
            {
                Assert.EndsWith(".csv.gz", chunk.Name, StringComparison.Ordinal);

                // A reproducible header: gzip magic, deflate, no flags (so no name), time 0, OS 255 (unknown).
                Assert.Equal(new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0 }, bytes[..8]);
                Assert.Equal(255, bytes[9]);
                csv = GzipChunkChecks.Gunzip(bytes);
                Assert.Equal(csv.Length, chunk.UncompressedBytes);
            }

            Assert.Equal(csv.Length, chunk.CsvBytes);
            Assert.True(csv.AsSpan().StartsWith(preamble), $"{chunk.Name} starts with the preamble");

            // Over the limit (on the stored bytes) only when one record cannot fit beside the header; then, and only then, it is marked.
            Assert.Equal(chunk.Bytes > limits.MaxChunkBytes, chunk.Oversize);
            if (chunk.Oversize)
            {
                Assert.True(
                    chunk.Rows == 1 || (rows.Count == 0 && (gzip || preamble.Length > limits.MaxChunkBytes)),
                    $"{chunk.Name} is oversize with {chunk.Rows} rows");
            }

            Assert.True(chunk.Rows <= (limits.MaxChunkRows ?? long.MaxValue));
            Assert.True(chunk.Rows >= 1 || rows.Count == 0, $"{chunk.Name} is empty");

            // Greedy: a chunk closes only because its next record would not fit (with gzip: could not be proven to fit
            // after an exact measurement).
            if (i + 1 < chunks.Count && chunk.Rows != limits.MaxChunkRows)
            {
                int following = recordBytes[next + (int)chunk.Rows].Length;
                long needed = gzip ? GzipChunkEncoder.Bound(following) + GzipChunkEncoder.FinishReserve : following;
                Assert.True(
                    chunk.Bytes + needed > limits.MaxChunkBytes,
                    $"{chunk.Name} ({chunk.Bytes} bytes) was closed while the next record ({following} bytes) still fit {limits.MaxChunkBytes}");
            }

            var (header, read) = CsvReading.Read(csv, format.Delimiter);
            Assert.Equal(fields.Length, header.Length);
            Assert.Equal(chunk.Rows, read.Count);
            for (int r = 0; r < read.Count; r++)
            {
                VoucherTransaction row = rows[next + r];
                Assert.Equal(fields.Select(f => TestRows.ExpectedCell(row, f)), read[r]);
            }

            Assert.Equal(chunk.Rows == 0 ? null : rows[next].CreatedAt, chunk.FirstCreatedAt);
            Assert.Equal(chunk.Rows == 0 ? null : rows[next + (int)chunk.Rows - 1].CreatedAt, chunk.LastCreatedAt);

            concatenated.AddRange(i == 0 ? csv : csv[preamble.Length..]);
            next += (int)chunk.Rows;
        }

        byte[] unchunked = [.. preamble, .. recordBytes.SelectMany(b => b)];
        Assert.Equal(unchunked, concatenated.ToArray());
    }
}

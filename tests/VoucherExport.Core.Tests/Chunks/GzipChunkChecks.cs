using System.Collections.Immutable;
using System.IO.Compression;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Chunks;

/// <summary>Checks a gzip-compressed chunked export against SPEC §5 and the compression contract, given the chunks as stored.</summary>
internal static class GzipChunkChecks
{
    public static byte[] Gunzip(byte[] stored)
    {
        using var gzip = new GZipStream(new MemoryStream(stored), CompressionMode.Decompress);
        var plain = new MemoryStream();
        gzip.CopyTo(plain);
        return plain.ToArray();
    }

    /// <summary><see cref="ChunkChecks.Verify"/> for an export whose limits ask for gzip.</summary>
    public static void Verify(
        CsvFormat format,
        ImmutableArray<TransactionField> fields,
        IReadOnlyList<VoucherTransaction> rows,
        ChunkLimits limits,
        IReadOnlyList<ChunkInfo> chunks,
        IReadOnlyList<byte[]> stored)
    {
        Assert.Equal(ChunkCompression.Gzip, limits.Compression);
        ChunkChecks.Verify(format, fields, rows, limits, chunks, stored);
    }
}

using System.Buffers;
using System.IO.Compression;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Chunks;

namespace VoucherExport.Tests.Chunks;

public class GzipChunkEncoderTests
{
    // Incompressible (random), highly compressible (one byte repeated) and mixed inputs, cut into random writes.
    private static readonly Gen<byte[]> s_data = Gen.OneOf(
        Gen.Choose(0, 40_000).Select(n => { var b = new byte[n]; new Random(n).NextBytes(b); return b; }),
        Gen.Choose(0, 40_000).Select(n => Enumerable.Repeat((byte)'a', n).ToArray()),
        Gen.Choose(0, 40_000).Select(n => { var b = new byte[n]; new Random(n).NextBytes(b); b.AsSpan(0, n / 2).Fill((byte)','); return b; }));

    [Property(MaxTest = 120)]
    public Property TheBoundHoldsForAnyInputLevelAndFlushPoints() => Prop.ForAll(
        (from data in s_data
         from level in Gen.Choose(ChunkLimits.MinCompressionLevel, ChunkLimits.MaxCompressionLevel)
         from cuts in Gen.ArrayOf(Gen.Choose(1, 9000))
         from flushEvery in Gen.Choose(1, 4)
         select (data, level, cuts, flushEvery)).ToArbitrary(),
        input =>
        {
            var output = new ArrayBufferWriter<byte>();
            using var encoder = new GzipChunkEncoder(input.level, hash: null) { Target = output };
            encoder.Start();
            int at = 0;
            int piece = 0;
            foreach (int cut in input.cuts.Append(input.data.Length))
            {
                int end = Math.Min(input.data.Length, at + cut);
                encoder.Write(input.data.AsSpan(at, end - at));
                at = end;
                if (++piece % input.flushEvery == 0)
                {
                    // Each flush stays within what the bound promised for the bytes it measured.
                    long promised = encoder.Measured + GzipChunkEncoder.Bound(encoder.Pending);
                    encoder.Measure();
                    Assert.True(encoder.Measured <= promised, $"flush: {encoder.Measured} > {promised}");

                    // Exact once a flush has written what was fed; before anything is fed (an empty input, say) nothing is
                    // written yet, and Measured holds the header it will write.
                    if (encoder.Flushes > 0)
                    {
                        Assert.Equal(output.WrittenCount, encoder.Measured);
                    }
                    else
                    {
                        Assert.Equal(0, output.WrittenCount);
                        Assert.Equal(0, encoder.Pending);
                    }
                }
            }

            long limit = encoder.Measured + GzipChunkEncoder.Bound(encoder.Pending) + GzipChunkEncoder.FinishReserve;
            long stored = encoder.Finish();
            Assert.Equal(output.WrittenCount, stored);
            Assert.True(stored <= limit, $"finish: {stored} > {limit}");
            Assert.Equal(input.data, GzipChunkChecks.Gunzip(output.WrittenSpan.ToArray()));
        });

    [Fact]
    public void TheSameInputGivesTheSameBytesWithNoNameAndNoTime()
    {
        byte[] data = "id,type\r\nvtx_1,CREDITS_ADDITION\r\n"u8.ToArray();
        byte[] first = Compress(data, 6);
        Assert.Equal(first, Compress(data, 6));
        Assert.Equal(new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255 }, first[..10]);
        Assert.Equal(data, GzipChunkChecks.Gunzip(first));
    }

    [Fact]
    public void AnUnfinishedMemberWritesNothingMoreWhenDisposed()
    {
        var output = new ArrayBufferWriter<byte>();
        var encoder = new GzipChunkEncoder(6, hash: null) { Target = output };
        encoder.Start();
        encoder.Write(new byte[100_000]);
        int before = output.WrittenCount;
        encoder.Dispose();
        Assert.Equal(before, output.WrittenCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(-1)]
    public void ALevelOutOfRangeIsRejectedNamingTheOption(int level)
    {
        var limits = new ChunkLimits { Compression = ChunkCompression.Gzip, CompressionLevel = level };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => limits.Validate());
        Assert.Equal(nameof(ChunkLimits.CompressionLevel), error.ParamName);
        Assert.Contains("between 1 and 9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownCompressionIsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkLimits { Compression = (ChunkCompression)7 }.Validate());
        Assert.Equal(nameof(ChunkLimits.Compression), error.ParamName);
    }

    [Fact]
    public void GzipChunkNamesAreChunkNames()
    {
        Assert.Equal("part-00001.csv.gz", ChunkInfo.NameFor(1, ChunkCompression.Gzip));
        Assert.Equal("part-00001.csv", ChunkInfo.NameFor(1, ChunkCompression.None));
        Assert.True(ChunkNames.IsChunk("part-00001.csv.gz"));
        Assert.False(ChunkNames.IsChunk("part-00001.gz"));
        Assert.False(ChunkNames.IsChunk("part-1.csv.gz"));
        Assert.False(ChunkNames.IsChunk("../part-00001.csv.gz"));
    }

    private static byte[] Compress(byte[] data, int level)
    {
        var output = new ArrayBufferWriter<byte>();
        using var encoder = new GzipChunkEncoder(level, hash: null) { Target = output };
        encoder.Start();
        encoder.Write(data);
        encoder.Finish();
        return output.WrittenSpan.ToArray();
    }
}

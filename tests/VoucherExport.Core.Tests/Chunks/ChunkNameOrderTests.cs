using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Chunks;

namespace VoucherExport.Tests.Chunks;

/// <summary>Chunk names keep sorting in chunk order, byte by byte, past 99,999 chunks (a billion-row export may need more).</summary>
public class ChunkNameOrderTests
{
    [Theory]
    [InlineData(1, "part-00001.csv")]
    [InlineData(99_999, "part-99999.csv")]
    [InlineData(100_000, "part-a100000.csv")]
    [InlineData(999_999, "part-a999999.csv")]
    [InlineData(1_000_000, "part-b1000000.csv")]
    [InlineData(int.MaxValue, "part-e2147483647.csv")]
    public void NamesPastFiveDigitsCarryTheirDigitCount(int index, string name)
    {
        Assert.Equal(name, ChunkInfo.NameFor(index));
        Assert.Equal(name + ".gz", ChunkInfo.NameFor(index, ChunkCompression.Gzip));
        Assert.True(ChunkNames.IsChunk(name));
        Assert.True(ChunkNames.IsChunk(name + ".gz"));
    }

    [Property(MaxTest = 500)]
    public Property NamesSortAsTheirIndexes() =>
        Prop.ForAll(Index().ToArbitrary(), Index().ToArbitrary(), (a, b) =>
            Math.Sign(string.CompareOrdinal(ChunkInfo.NameFor(a), ChunkInfo.NameFor(b))) == Math.Sign(a.CompareTo(b)));

    [Theory]
    [InlineData("part-a00001.csv")]
    [InlineData("part-a99999.csv")]
    [InlineData("part-a0100000.csv")]
    [InlineData("part-b100000.csv")]
    [InlineData("part-f10000000000.csv")]
    [InlineData("part-a.csv")]
    [InlineData("part-a10000a.csv")]
    public void LetteredNamesMustHaveExactlyTheirDigitCount(string name) => Assert.False(ChunkNames.IsChunk(name));

    // Indexes around every digit-count boundary, and anywhere.
    private static Gen<int> Index() => Gen.OneOf(
        Gen.Choose(1, int.MaxValue),
        Gen.Elements(1, 9, 99_999, 100_000, 999_999, 1_000_000, 9_999_999, 10_000_000, 999_999_999, 1_000_000_000, int.MaxValue)
            .SelectMany(i => Gen.Choose(-2, 2).Select(d => (int)Math.Clamp((long)i + d, 1, int.MaxValue))));
}

using System.Text;
using VoucherExport.Chunks;

namespace VoucherExport.Tests.Chunks;

public class InMemoryChunkSinkTests : ChunkSinkContractTests
{
    protected override IChunkSink CreateSink() => new InMemoryChunkSink();

    [Fact]
    public async Task CommittedListsChunksAndTheManifestInCommitOrder()
    {
        var sink = new InMemoryChunkSink();
        var second = await sink.CreateChunkAsync("part-00002.csv", default);
        var first = await sink.CreateChunkAsync("part-00001.csv", default);
        Assert.Equal(2, sink.OpenChunks);

        await second.WriteAsync("2"u8.ToArray(), default);
        await second.CommitAsync(default);
        await first.DisposeAsync();
        await sink.WriteManifestAsync("{}"u8.ToArray(), default);

        Assert.Equal(0, sink.OpenChunks);
        Assert.Equal(["part-00002.csv", "manifest.json"], sink.Committed.Select(c => c.Key));
        Assert.Equal("2", Encoding.UTF8.GetString(sink.Committed[0].Value));
        Assert.Null(sink.GetUrl("part-00002.csv"));

        await sink.DeleteAllAsync(default);
        Assert.Empty(sink.Committed);
    }

    [Fact]
    public async Task ChunksMayBeWrittenFromManyThreads()
    {
        var sink = new InMemoryChunkSink();
        await Parallel.ForAsync(1, 201, async (i, ct) =>
        {
            await using var chunk = await sink.CreateChunkAsync(ChunkInfo.NameFor(i), ct);
            await chunk.WriteAsync(Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), ct);
            if (i % 2 == 0)
            {
                await chunk.CommitAsync(ct);
            }
        });

        Assert.Equal(0, sink.OpenChunks);
        Assert.Equal(100, sink.Committed.Count);
    }

    [Fact]
    public void TheFactoryKeepsOneSinkPerExport()
    {
        var factory = new InMemoryChunkSinkFactory();
        Assert.Same(factory.Create("exp_a"), factory.Create("exp_a"));
        Assert.NotSame(factory.Create("exp_a"), factory.Create("exp_b"));
        Assert.Same(factory.Create("exp_a"), factory.Find("exp_a"));
        Assert.Null(factory.Find("exp_c"));
    }
}

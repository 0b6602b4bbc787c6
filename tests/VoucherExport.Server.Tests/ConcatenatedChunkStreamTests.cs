using System.Text;
using FsCheck;
using FsCheck.Xunit;
using VoucherExport.Chunks;

namespace VoucherExport.Server.Tests;

public class ConcatenatedChunkStreamTests
{
    private static readonly byte[] Header = "ID,Amount\r\n"u8.ToArray();

    /// <summary>Reading from any position, in reads of any size, after seeking anywhere, gives the reference concatenation.</summary>
    [Property(MaxTest = 300)]
    public bool AnyReadFromAnyPositionGivesTheReferenceBytes(byte[][] bodies, NonNegativeInt first, NonNegativeInt second, PositiveInt readSize, bool seekable)
    {
        bodies = bodies.Length == 0 ? [[]] : bodies.Select(b => b ?? []).ToArray();
        var sink = new BytesSink(seekable);
        var chunks = new List<ChunkInfo>();
        var reference = new List<byte>();
        for (int i = 0; i < bodies.Length; i++)
        {
            byte[] chunk = [.. Header, .. bodies[i]];
            string name = ChunkInfo.NameFor(i + 1);
            sink.Files[name] = chunk;
            chunks.Add(new ChunkInfo(name, 1, chunk.Length, "", null, null, false));
            reference.AddRange(i == 0 ? chunk : bodies[i]);
        }

        using var stream = new ConcatenatedChunkStream(sink, chunks, Header.Length);
        if (stream.Length != reference.Count)
        {
            return false;
        }

        // Two seeks, the second usually backwards, so chunks are reopened mid-way.
        foreach (int position in new[] { first.Get % (reference.Count + 1), second.Get % (reference.Count + 1) })
        {
            stream.Seek(position, SeekOrigin.Begin);
            var read = new List<byte>();
            byte[] buffer = new byte[Math.Min(readSize.Get, 97)];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                read.AddRange(buffer.AsSpan(0, n).ToArray());
            }

            if (!read.SequenceEqual(reference.Skip(position)))
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public async Task AChunkShorterThanItsManifestSaysFailsTheReadInsteadOfEndingQuietly()
    {
        var sink = new BytesSink(seekable: true);
        sink.Files["part-00001.csv"] = [.. Header, .. "1,2\r\n"u8];
        var chunks = new[] { new ChunkInfo("part-00001.csv", 1, Header.Length + 9, "", null, null, false) };
        await using var stream = new ConcatenatedChunkStream(sink, chunks, Header.Length);
        var e = await Assert.ThrowsAsync<IOException>(() => stream.CopyToAsync(Stream.Null));
        Assert.Contains("part-00001.csv", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AChunkWithoutRoomForItsHeaderIsRefused()
    {
        var chunks = new[]
        {
            new ChunkInfo("part-00001.csv", 0, Header.Length, "", null, null, false),
            new ChunkInfo("part-00002.csv", 0, 3, "", null, null, false),
        };
        Assert.Throws<InvalidDataException>(() => new ConcatenatedChunkStream(new BytesSink(true), chunks, Header.Length));
        Assert.Equal("ID,Amount\r\n", Encoding.ASCII.GetString(Header));
    }

    private sealed class BytesSink(bool seekable) : IChunkSink
    {
        public Dictionary<string, byte[]> Files { get; } = [];

        public ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken) =>
            ValueTask.FromResult<Stream>(seekable ? new MemoryStream(Files[name], writable: false) : new ForwardOnly(Files[name]));

        public ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask DeleteAllAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public string? GetUrl(string name) => null;
    }

    /// <summary>A stream that cannot seek, as an object store's GET body.</summary>
    private sealed class ForwardOnly(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes, writable: false);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 5));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

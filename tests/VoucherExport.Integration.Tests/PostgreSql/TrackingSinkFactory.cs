using System.Collections.Concurrent;
using VoucherExport.Chunks;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>In-memory sinks shared by several registries (as S3 would be), recording what each export's runs did.</summary>
internal sealed class TrackingSinkFactory : IChunkSinkFactory
{
    private readonly InMemoryChunkSinkFactory _inner = new();

    public ConcurrentQueue<(string ExportId, string Event)> Events { get; } = new();

    public IChunkSink Create(string exportId) => new Sink(this, exportId, _inner.Create(exportId));

    public InMemoryChunkSink? Find(string exportId) => _inner.Find(exportId);

    public List<string> EventsOf(string exportId) => [.. Events.Where(e => e.ExportId == exportId).Select(e => e.Event)];

    private sealed class Sink(TrackingSinkFactory owner, string exportId, IChunkSink inner) : IChunkSink
    {
        public ValueTask<IChunkWriter> CreateChunkAsync(string name, CancellationToken cancellationToken)
        {
            owner.Events.Enqueue((exportId, $"chunk {name}"));
            return inner.CreateChunkAsync(name, cancellationToken);
        }

        public ValueTask WriteManifestAsync(ReadOnlyMemory<byte> manifestJson, CancellationToken cancellationToken)
        {
            owner.Events.Enqueue((exportId, "manifest"));
            return inner.WriteManifestAsync(manifestJson, cancellationToken);
        }

        public ValueTask<Stream> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);

        public ValueTask DeleteAllAsync(CancellationToken cancellationToken)
        {
            owner.Events.Enqueue((exportId, "delete"));
            return inner.DeleteAllAsync(cancellationToken);
        }

        public string? GetUrl(string name) => inner.GetUrl(name);
    }
}

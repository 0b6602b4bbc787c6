using System.Collections.Concurrent;

namespace VoucherExport.Chunks;

/// <summary>Keeps every export's chunks in memory: for tests and for hosts that stream results elsewhere.</summary>
public sealed class InMemoryChunkSinkFactory : IChunkSinkFactory
{
    private readonly ConcurrentDictionary<string, InMemoryChunkSink> _sinks = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public IChunkSink Create(string exportId) => _sinks.GetOrAdd(exportId, static _ => new InMemoryChunkSink());

    /// <summary>The sink of an export, or null when none was created.</summary>
    public InMemoryChunkSink? Find(string exportId) => _sinks.GetValueOrDefault(exportId);
}

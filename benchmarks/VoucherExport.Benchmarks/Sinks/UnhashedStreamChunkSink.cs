using VoucherExport.Chunks;

namespace VoucherExport.Benchmarks.Sinks;

/// <summary>
/// A <see cref="StreamChunkSink"/> for which the engine computes no SHA-256: the single-core goal leaves checksums out
/// (they belong on another core), so this measures source, filter, projection, CSV and chunk rotation on one thread.
/// </summary>
internal sealed class UnhashedStreamChunkSink(Stream destination, int preambleLength)
    : StreamChunkSink(destination, preambleLength), IUnhashedChunkSink;

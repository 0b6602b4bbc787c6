namespace VoucherExport.Chunks;

/// <summary>
/// A sink that throws its bytes away, for measuring: <see cref="ChunkedCsvWriter"/> computes no SHA-256 for it and
/// leaves <see cref="ChunkInfo.Sha256"/> empty. The benchmarks use it to time formatting alone on one core, as the
/// single-core goal leaves checksums out; no sink that stores anything may implement it.
/// </summary>
internal interface IUnhashedChunkSink : IChunkSink
{
}

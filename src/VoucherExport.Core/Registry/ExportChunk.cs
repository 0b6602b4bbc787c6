using VoucherExport.Chunks;

namespace VoucherExport.Registry;

/// <summary>A published chunk and where it can be fetched.</summary>
/// <param name="Info">The chunk as the manifest lists it.</param>
/// <param name="Url">Its address, or null when the sink has none.</param>
public sealed record ExportChunk(ChunkInfo Info, string? Url);

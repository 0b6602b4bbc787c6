namespace VoucherExport.Chunks;

/// <summary>
/// One thing the calling thread does with a sealed <see cref="FormatBatch"/>: start a chunk (its preamble first), write
/// a slice of the batch's records, or commit the chunk. The steps are decided, and the bytes hashed, when the batch is
/// sealed; writing them is then only I/O.
/// </summary>
/// <param name="Kind">What to do.</param>
/// <param name="Start">
/// The first byte of the slice in the batch's records, or in its compressed bytes when the export is compressed
/// (<see cref="PublishStepKind.Write"/>).
/// </param>
/// <param name="End">The end of the slice (<see cref="PublishStepKind.Write"/>).</param>
/// <param name="Rows">The records in the slice, for progress (<see cref="PublishStepKind.Write"/>).</param>
/// <param name="Name">The chunk's name (<see cref="PublishStepKind.Open"/>).</param>
/// <param name="Chunk">The chunk as the manifest lists it (<see cref="PublishStepKind.Commit"/>).</param>
internal readonly record struct PublishStep(PublishStepKind Kind, int Start, int End, int Rows, string? Name, ChunkInfo? Chunk);

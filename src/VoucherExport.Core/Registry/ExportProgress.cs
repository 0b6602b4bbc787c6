namespace VoucherExport.Registry;

/// <summary>How far a running export has come.</summary>
/// <param name="Rows">Records written.</param>
/// <param name="Bytes">Bytes written, headers included.</param>
/// <param name="Chunks">Chunks started.</param>
public readonly record struct ExportProgress(long Rows, long Bytes, int Chunks);

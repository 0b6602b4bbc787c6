namespace VoucherExport.Benchmarks.Files;

/// <summary>What one export child reports on its last line: rows written, wall and CPU seconds of the export, peak resident bytes.</summary>
internal sealed record ChildFigures(long Rows, double Seconds, double CpuSeconds, long PeakBytes);

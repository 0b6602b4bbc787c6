namespace VoucherExport.Ordering;

/// <summary>A run written to disk: its file, its size and its row count.</summary>
internal sealed record SortedRun(string Path, long Bytes, long Rows);

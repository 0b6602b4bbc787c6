namespace VoucherExport.Adapters.Benchmarks;

/// <summary>One measured case: the best wall time of its runs over the same rows.</summary>
internal sealed record Measurement(string Case, long Rows, long Bytes, TimeSpan Best)
{
    public double RowsPerSecond => Rows / Best.TotalSeconds;
}

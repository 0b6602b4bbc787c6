namespace VoucherExport.Benchmarks.Scale;

/// <summary>The scale run (<c>-- --scale N</c>): rows/s and peak working set at 1M and N rows, both orders.</summary>
internal static class ScaleRun
{
    public static Task<int> RunAsync(long rows)
    {
        Console.Error.WriteLine($"scale run for {rows} rows is not written yet");
        return Task.FromResult(1);
    }
}

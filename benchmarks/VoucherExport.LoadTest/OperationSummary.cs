using System.Diagnostics;

namespace VoucherExport.LoadTest;

/// <summary>One operation's completed requests, errors and latency percentiles (milliseconds, nearest rank).</summary>
public sealed record OperationSummary(string Operation, long Requests, long Errors, double P50, double P90, double P99, double Max)
{
    /// <summary>Summarizes latencies given in <see cref="Stopwatch"/> ticks.</summary>
    public static OperationSummary From(string operation, IReadOnlyCollection<long> ticks, long errors)
    {
        long[] sorted = [.. ticks];
        Array.Sort(sorted);
        return new OperationSummary(operation, sorted.Length, errors,
            Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 99), sorted.Length == 0 ? 0 : Ms(sorted[^1]));
    }

    /// <summary>The nearest-rank percentile: the smallest value with at least <paramref name="percent"/> % of values at or below it.</summary>
    public static double Percentile(long[] sorted, double percent)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length == 0)
        {
            return 0;
        }

        int rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return Ms(sorted[Math.Clamp(rank, 1, sorted.Length) - 1]);
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

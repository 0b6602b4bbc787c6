using VoucherExport.Benchmarks.Peers;
using VoucherExport.Benchmarks.Sinks;

namespace VoucherExport.Benchmarks;

/// <summary>
/// Checks, before anything is timed, that every case writes the same bytes as the engine: same header, quoting, CRLF,
/// dates, empty cells for nulls, quoted details. A case that differs is reported with the first difference and left
/// out of the ratios.
/// </summary>
internal static class OutputCheck
{
    /// <summary>The engine's output on one thread with checksums: the bytes every case must reproduce.</summary>
    public static byte[] Reference(BenchmarkData data)
    {
        using var memory = new MemoryStream();
        new EngineCase(parallelism: 1, checksums: true).Write(data, memory);
        return memory.ToArray();
    }

    /// <summary>Null when <paramref name="exportCase"/> writes exactly <paramref name="reference"/>; otherwise the first difference.</summary>
    public static string? Compare(ExportCase exportCase, BenchmarkData data, byte[] reference)
    {
        var comparing = new ComparingStream(reference);
        exportCase.Write(data, comparing);
        return comparing.Difference();
    }
}

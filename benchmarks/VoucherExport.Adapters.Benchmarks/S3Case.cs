namespace VoucherExport.Adapters.Benchmarks;

/// <summary>
/// The PostgreSQL → S3 case (<c>--s3</c>), kept in its own file for the S3 adapter to fill in: it should export the
/// same query as <see cref="AdapterBenchmark"/>'s disk case into the S3 sink and return its measurement.
/// </summary>
internal static class S3Case
{
    public static Task<Measurement?> RunAsync(BenchContext context)
    {
        Console.Error.WriteLine("--s3: the S3 case is not written yet (see S3Case.cs)");
        return Task.FromResult<Measurement?>(null);
    }
}

using Amazon.Runtime;
using VoucherExport.S3;

namespace VoucherExport.Adapters.Benchmarks;

/// <summary>
/// The PostgreSQL → S3 case (<c>--s3</c>): the same export as the disk case into the S3 gateway named by
/// VX_S3_ENDPOINT / VX_S3_ACCESS_KEY / VX_S3_SECRET_KEY (scripts/start-s3), default part size and parts in flight.
/// </summary>
internal static class S3Case
{
    public static async Task<Measurement?> RunAsync(BenchContext context, int partitions)
    {
        string? endpoint = Environment.GetEnvironmentVariable("VX_S3_ENDPOINT");
        string? accessKey = Environment.GetEnvironmentVariable("VX_S3_ACCESS_KEY");
        string? secretKey = Environment.GetEnvironmentVariable("VX_S3_SECRET_KEY");
        if (endpoint is null || accessKey is null || secretKey is null)
        {
            Console.Error.WriteLine("--s3: set VX_S3_ENDPOINT, VX_S3_ACCESS_KEY, VX_S3_SECRET_KEY (eval \"$(scripts/start-s3)\")");
            return null;
        }

        using var factory = new S3ChunkSinkFactory(new S3ChunkSinkOptions
        {
            BucketName = "vx-bench-" + Guid.NewGuid().ToString("N")[..12],
            Prefix = "bench",
            ServiceUrl = new Uri(endpoint),
            Credentials = new BasicAWSCredentials(accessKey, secretKey),
            CreateBucket = true,
        });
        string name = partitions == 1 ? "PostgreSQL → chunks on S3 (Ceph radosgw), serial" : $"PostgreSQL → chunks on S3 (Ceph radosgw), {partitions} partitions";
        return await AdapterBenchmark.ExportAsync(context, partitions, name, () => factory);
    }
}

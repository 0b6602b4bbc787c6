using Amazon.Runtime;
using VoucherExport.S3;

namespace VoucherExport.Integration.Tests.S3;

/// <summary>
/// The real S3 server the tests use, from VX_S3_ENDPOINT, VX_S3_ACCESS_KEY and VX_S3_SECRET_KEY (printed by
/// scripts/start-s3). Without them the tests skip on a developer machine and fail under CI=true.
/// </summary>
internal static class S3TestSettings
{
    public static readonly string? Endpoint = Environment.GetEnvironmentVariable("VX_S3_ENDPOINT");
    public static readonly string? AccessKey = Environment.GetEnvironmentVariable("VX_S3_ACCESS_KEY");
    public static readonly string? SecretKey = Environment.GetEnvironmentVariable("VX_S3_SECRET_KEY");

    private static bool Configured =>
        !string.IsNullOrEmpty(Endpoint) && !string.IsNullOrEmpty(AccessKey) && !string.IsNullOrEmpty(SecretKey);

    private static bool UnderCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why S3 tests skip here, or null when they run (the server is configured, or this is CI).</summary>
    public static string? SkipReason => Configured || UnderCi
        ? null
        : "no S3 server: set VX_S3_ENDPOINT, VX_S3_ACCESS_KEY, VX_S3_SECRET_KEY (eval \"$(scripts/start-s3)\")";

    /// <summary>Options for a fresh bucket; throws a clear error when the server is not configured (under CI).</summary>
    public static S3ChunkSinkOptions Options(string bucket, string prefix = "") => new()
    {
        BucketName = bucket,
        Prefix = prefix,
        ServiceUrl = new Uri(Require(Endpoint, "VX_S3_ENDPOINT")),
        Credentials = new BasicAWSCredentials(Require(AccessKey, "VX_S3_ACCESS_KEY"), Require(SecretKey, "VX_S3_SECRET_KEY")),
        CreateBucket = true,
    };

    /// <summary>A bucket name no other test uses.</summary>
    public static string NewBucketName() => "vx-test-" + Guid.NewGuid().ToString("N")[..16];

    private static string Require(string? value, string name) => string.IsNullOrEmpty(value)
        ? throw new InvalidOperationException($"{name} is not set but CI=true: S3 tests must run in CI; start the server with scripts/start-s3")
        : value;
}

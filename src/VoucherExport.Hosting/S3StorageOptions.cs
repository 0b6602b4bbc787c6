namespace VoucherExport.Hosting;

/// <summary><c>S3:*</c>: the S3 (or S3-compatible) store an <c>s3://</c> sink writes to. Unset values fall back to the AWS environment variables.</summary>
public sealed class S3StorageOptions
{
    /// <summary><c>S3:ServiceUrl</c>: the endpoint of an S3-compatible store, e.g. <c>http://127.0.0.1:7480</c>; default <c>AWS_ENDPOINT_URL_S3</c>, <c>AWS_ENDPOINT_URL</c>, else AWS.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary><c>S3:Region</c>: the signing region; default <c>AWS_REGION</c>, <c>AWS_DEFAULT_REGION</c>, else us-east-1.</summary>
    public string? Region { get; set; }

    /// <summary><c>S3:AccessKey</c>; default <c>AWS_ACCESS_KEY_ID</c>.</summary>
    public string? AccessKey { get; set; }

    /// <summary><c>S3:SecretKey</c>; default <c>AWS_SECRET_ACCESS_KEY</c> (preferred: configuration files are often readable).</summary>
    public string? SecretKey { get; set; }

    /// <summary><c>S3:CreateBucket</c>: create the bucket at start when it does not exist; default off.</summary>
    public bool CreateBucket { get; set; }
}

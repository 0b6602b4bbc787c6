using Amazon.Runtime;

namespace VoucherExport.S3;

/// <summary>
/// An S3 sink as a user names it: <c>s3://bucket/prefix</c> and the endpoint, region and keys, each falling back to the
/// usual AWS environment variables. One reading shared by the command line (<c>--sink</c>, <c>--s3-*</c>) and the
/// configuration of hosts and the server (<c>Exports:Sink</c>, <c>S3:*</c>).
/// </summary>
public sealed record S3SinkLocation
{
    /// <summary><c>s3://bucket</c> or <c>s3://bucket/prefix</c>. Required.</summary>
    public required string Sink { get; init; }

    /// <summary>The endpoint of an S3-compatible store; null for <c>AWS_ENDPOINT_URL_S3</c>, <c>AWS_ENDPOINT_URL</c>, else AWS.</summary>
    public string? ServiceUrl { get; init; }

    /// <summary>The signing region; null for <c>AWS_REGION</c>, <c>AWS_DEFAULT_REGION</c>, else us-east-1.</summary>
    public string? Region { get; init; }

    /// <summary>The access key; null for <c>AWS_ACCESS_KEY_ID</c>.</summary>
    public string? AccessKey { get; init; }

    /// <summary>The secret key; null for <c>AWS_SECRET_ACCESS_KEY</c>.</summary>
    public string? SecretKey { get; init; }

    /// <summary>Create the bucket on first use when it does not exist (off by default, see <see cref="S3ChunkSinkOptions.CreateBucket"/>).</summary>
    public bool CreateBucket { get; init; }

    /// <summary>How long presigned URLs stay valid; null for <see cref="S3ChunkSinkOptions.DefaultPresignExpiry"/>.</summary>
    public TimeSpan? PresignExpiry { get; init; }

    /// <summary>Whether <paramref name="sink"/> names an S3 sink (starts with <c>s3://</c>).</summary>
    public static bool IsS3(string? sink) => sink is not null && sink.StartsWith("s3://", StringComparison.Ordinal);

    /// <summary>
    /// The validated sink options, with what is not set here read from <paramref name="environment"/> (null for the process
    /// environment). Throws <see cref="ArgumentException"/> whose <see cref="ArgumentException.ParamName"/> is the property
    /// at fault (<c>Sink</c>, <c>ServiceUrl</c>, <c>Region</c>, <c>AccessKey</c>, <c>SecretKey</c> or <c>PresignExpiry</c>).
    /// </summary>
    public S3ChunkSinkOptions ToOptions(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!IsS3(Sink))
        {
            throw new ArgumentException($"'{Sink}' is not s3://bucket/prefix", nameof(Sink));
        }

        string path = Sink["s3://".Length..].TrimEnd('/');
        int slash = path.IndexOf('/', StringComparison.Ordinal);
        string bucket = slash < 0 ? path : path[..slash];
        string prefix = slash < 0 ? "" : path[(slash + 1)..];

        string? endpoint = NonEmpty(ServiceUrl) ?? NonEmpty(environment("AWS_ENDPOINT_URL_S3")) ?? NonEmpty(environment("AWS_ENDPOINT_URL"));
        Uri? serviceUrl = null;
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out serviceUrl))
        {
            throw new ArgumentException($"'{endpoint}' is not an absolute URL", nameof(ServiceUrl));
        }

        string? accessKey = NonEmpty(AccessKey) ?? NonEmpty(environment("AWS_ACCESS_KEY_ID"));
        string? secretKey = NonEmpty(SecretKey) ?? NonEmpty(environment("AWS_SECRET_ACCESS_KEY"));
        if (accessKey is null || secretKey is null)
        {
            throw new ArgumentException(
                "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or give the access and secret keys)",
                accessKey is null ? nameof(AccessKey) : nameof(SecretKey));
        }

        string? token = NonEmpty(environment("AWS_SESSION_TOKEN"));
        var options = new S3ChunkSinkOptions
        {
            BucketName = bucket,
            Prefix = prefix,
            ServiceUrl = serviceUrl,
            Region = NonEmpty(Region) ?? NonEmpty(environment("AWS_REGION")) ?? NonEmpty(environment("AWS_DEFAULT_REGION")) ?? S3ChunkSinkOptions.DefaultRegion,
            Credentials = token is null ? new BasicAWSCredentials(accessKey, secretKey) : new SessionAWSCredentials(accessKey, secretKey, token),
            CreateBucket = CreateBucket,
            PresignExpiry = PresignExpiry ?? S3ChunkSinkOptions.DefaultPresignExpiry,
        };

        try
        {
            return options.Validate();
        }
        catch (ArgumentException e)
        {
            string setting = e.ParamName switch
            {
                nameof(S3ChunkSinkOptions.ServiceUrl) => nameof(ServiceUrl),
                nameof(S3ChunkSinkOptions.Region) => nameof(Region),
                nameof(S3ChunkSinkOptions.PresignExpiry) => nameof(PresignExpiry),
                _ => nameof(Sink),
            };

            // The option's own message, without the " (Parameter 'X')" the runtime appends for a programmer.
            throw new ArgumentException(e.Message.Split(" (Parameter", 2)[0], setting, e);
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

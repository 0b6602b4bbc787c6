using Amazon.Runtime;

namespace VoucherExport.S3;

/// <summary>
/// Where and how the S3 chunk sink stores exports: <c>s3://BucketName/Prefix/&lt;export id&gt;/part-00001.csv</c> and
/// <c>manifest.json</c> beside them. Immutable; <see cref="Validate"/> runs when a <see cref="S3ChunkSinkFactory"/> is built.
/// </summary>
public sealed record S3ChunkSinkOptions
{
    /// <summary>16 MiB: on a two-core Ceph gateway two 16 MiB parts in flight reached its upload ceiling (~126 MB/s).</summary>
    public const long DefaultPartSize = 16L * 1024 * 1024;

    /// <summary>5 MiB: the S3 minimum for every part but the last.</summary>
    public const long MinPartSize = 5L * 1024 * 1024;

    /// <summary>1 GiB: parts are buffered in memory (pooled arrays), and a pooled array holds at most 1 GiB.</summary>
    public const long MaxPartSize = 1L << 30;

    /// <summary>2: one part uploading while the next fills keeps the link busy; more only queue at a small gateway.</summary>
    public const int DefaultMaxPartsInFlight = 2;

    /// <summary>64: far past the point where more parallel parts help one upload, and it bounds memory per chunk.</summary>
    public const int MaxMaxPartsInFlight = 64;

    /// <summary>"us-east-1": the region every S3-compatible store accepts in a signature when it has no regions of its own.</summary>
    public const string DefaultRegion = "us-east-1";

    /// <summary>1024: S3's longest object key, in UTF-8 bytes.</summary>
    internal const int MaxKeyLength = 1024;

    /// <summary>15 minutes: long enough to start a download from an export's result, short enough to limit a leaked link.</summary>
    public static readonly TimeSpan DefaultPresignExpiry = TimeSpan.FromMinutes(15);

    /// <summary>7 days: the longest expiry SigV4 allows for a presigned URL.</summary>
    public static readonly TimeSpan MaxPresignExpiry = TimeSpan.FromDays(7);

    /// <summary>The bucket. Required: 3–63 of lowercase letters, digits, '.' and '-'.</summary>
    public required string BucketName { get; init; }

    /// <summary>
    /// The key prefix exports are stored below, without leading or trailing '/', e.g. <c>exports/prod</c>; empty stores
    /// them at the bucket's root. Segments use S3's safe characters (letters, digits, <c>! - _ . * ' ( )</c>).
    /// </summary>
    public string Prefix { get; init; } = "";

    /// <summary>
    /// The endpoint of an S3-compatible store, e.g. <c>http://127.0.0.1:7480</c>; null means AWS S3 in <see cref="Region"/>.
    /// </summary>
    public Uri? ServiceUrl { get; init; }

    /// <summary>
    /// Address buckets as <c>endpoint/bucket/key</c> rather than <c>bucket.endpoint/key</c>. Null (default) means path
    /// style exactly when <see cref="ServiceUrl"/> is set: S3-compatible stores rarely have wildcard DNS for buckets.
    /// </summary>
    public bool? ForcePathStyle { get; init; }

    /// <summary>The region requests are signed for (and, without <see cref="ServiceUrl"/>, the AWS region used).</summary>
    public string Region { get; init; } = DefaultRegion;

    /// <summary>
    /// The credentials, e.g. <c>new BasicAWSCredentials(accessKey, secretKey)</c> or any SDK credentials provider.
    /// Required: the sink signs presigned URLs itself, so it must know the keys.
    /// </summary>
    public required AWSCredentials Credentials { get; init; }

    /// <summary>
    /// The size of every multipart part but the last. A chunk no larger than one part is stored with a single PUT.
    /// Memory per chunk being written is about <c>PartSize × (MaxPartsInFlight + 1)</c>.
    /// </summary>
    public long PartSize { get; init; } = DefaultPartSize;

    /// <summary>Parts of one chunk uploading at once; writing waits while this many are in flight.</summary>
    public int MaxPartsInFlight { get; init; } = DefaultMaxPartsInFlight;

    /// <summary>How long a URL from <c>GetUrl</c> stays valid.</summary>
    public TimeSpan PresignExpiry { get; init; } = DefaultPresignExpiry;

    /// <summary>
    /// Create the bucket on first use when it does not exist. Off by default: in production a misspelt bucket name
    /// should fail loudly rather than create a stray bucket without the intended policies.
    /// </summary>
    public bool CreateBucket { get; init; }

    /// <summary>The clock presigned URLs are dated by; tests set it to date URLs in the past.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Whether requests address the bucket in the path (see <see cref="ForcePathStyle"/>).</summary>
    internal bool PathStyle => ForcePathStyle ?? ServiceUrl is not null;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option and why.</summary>
    public S3ChunkSinkOptions Validate()
    {
        ValidateBucketName(BucketName);
        ValidatePrefix(Prefix);
        ArgumentNullException.ThrowIfNull(Credentials, nameof(Credentials));
        ArgumentNullException.ThrowIfNull(Time, nameof(Time));
        if (ServiceUrl is not null && (!ServiceUrl.IsAbsoluteUri || (ServiceUrl.Scheme != Uri.UriSchemeHttp && ServiceUrl.Scheme != Uri.UriSchemeHttps)
            || ServiceUrl.Query.Length > 0 || ServiceUrl.AbsolutePath != "/"))
        {
            throw new ArgumentException($"service URL '{ServiceUrl}' must be an absolute http:// or https:// URL with no path or query", nameof(ServiceUrl));
        }

        if (string.IsNullOrWhiteSpace(Region) || !Region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            throw new ArgumentException($"region '{Region}' must be lowercase letters, digits and '-', e.g. us-east-1", nameof(Region));
        }

        if (PartSize is < MinPartSize or > MaxPartSize)
        {
            throw new ArgumentOutOfRangeException(nameof(PartSize), PartSize, $"part size must be {MinPartSize} (5 MiB) to {MaxPartSize} (1 GiB) bytes");
        }

        if (MaxPartsInFlight is < 1 or > MaxMaxPartsInFlight)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPartsInFlight), MaxPartsInFlight, $"parts in flight must be 1 to {MaxMaxPartsInFlight}");
        }

        if (PresignExpiry < TimeSpan.FromSeconds(1) || PresignExpiry > MaxPresignExpiry)
        {
            throw new ArgumentOutOfRangeException(nameof(PresignExpiry), PresignExpiry, "presigned URL expiry must be 1 second to 7 days");
        }

        return this;
    }

    private static void ValidateBucketName(string bucket)
    {
        ArgumentNullException.ThrowIfNull(bucket, nameof(BucketName));
        static bool LowerOrDigit(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
        bool shape = bucket.Length is >= 3 and <= 63
            && LowerOrDigit(bucket[0])
            && LowerOrDigit(bucket[^1])
            && bucket.All(c => LowerOrDigit(c) || c is '.' or '-')
            && !bucket.Contains("..", StringComparison.Ordinal);
        if (!shape)
        {
            throw new ArgumentException(
                $"bucket name '{bucket}' must be 3 to 63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit",
                nameof(BucketName));
        }
    }

    private static void ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix, nameof(Prefix));
        if (prefix.Length == 0)
        {
            return;
        }

        // Room for "/<128-character export id>/manifest.json" after the prefix.
        const int reserved = 1 + 128 + 1 + 14;
        if (prefix.Length > MaxKeyLength - reserved)
        {
            throw new ArgumentException($"prefix is {prefix.Length} characters; at most {MaxKeyLength - reserved} leave room for export ids", nameof(Prefix));
        }

        foreach (string segment in prefix.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or ".." || !segment.All(IsSafeKeyChar))
            {
                throw new ArgumentException(
                    $"prefix '{prefix}' must be '/'-separated non-empty segments of letters, digits and ! - _ . * ' ( ), not '.' or '..', with no leading or trailing '/'",
                    nameof(Prefix));
            }
        }
    }

    private static bool IsSafeKeyChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '!' or '-' or '_' or '.' or '*' or '\'' or '(' or ')';
}

using System.CommandLine;
using Amazon.Runtime;
using VoucherExport.Chunks;
using VoucherExport.S3;

namespace VoucherExport.Cli;

/// <summary>
/// <c>--out</c> (a folder) or <c>--sink s3://bucket/prefix</c> with the <c>--s3-*</c> options, turned into the chunk
/// sink of an export. S3 settings not given as options come from the usual AWS environment variables.
/// </summary>
internal sealed class SinkOption
{
    private readonly Option<string?> _out = new("--out") { Description = "Folder to write <export id>/part-*.csv and manifest.json into (or give --sink)." };
    private readonly Option<string?> _sink = new("--sink") { Description = "Store the export in S3 (or an S3-compatible store) instead: s3://bucket/prefix." };
    private readonly Option<string?> _endpoint = new("--s3-endpoint") { Description = "S3-compatible endpoint, e.g. http://127.0.0.1:7480 (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS)." };
    private readonly Option<string?> _region = new("--s3-region") { Description = "Region requests are signed for (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1)." };
    private readonly Option<string?> _accessKey = new("--s3-access-key") { Description = "Access key (default: AWS_ACCESS_KEY_ID)." };
    private readonly Option<string?> _secretKey = new("--s3-secret-key") { Description = "Secret key (default: AWS_SECRET_ACCESS_KEY, preferred: a command line is visible to other users)." };
    private readonly Option<bool> _createBucket = new("--s3-create-bucket") { Description = "Create the bucket when it does not exist." };
    private readonly Option<int?> _urlExpiry = new("--s3-url-expiry") { Description = "Minutes the presigned URLs in the result stay valid (default 15, at most 10080)." };

    /// <summary>The options, to add to the command.</summary>
    public IEnumerable<Option> All => [_out, _sink, _endpoint, _region, _accessKey, _secretKey, _createBucket, _urlExpiry];

    /// <summary>
    /// Checks the options and builds the sink factory without touching the store, so bad input writes nothing.
    /// Throws <see cref="CliInputException"/> naming the option at fault.
    /// </summary>
    public Target Open(ParseResult parse, Func<string, string?> environment)
    {
        string? folder = parse.GetValue(_out);
        string? sink = parse.GetValue(_sink);
        if ((folder is null) == (sink is null))
        {
            throw new CliInputException("--out/--sink", "give exactly one: a folder with --out, or --sink s3://bucket/prefix");
        }

        if (folder is not null)
        {
            string? s3Option = new Option[] { _endpoint, _region, _accessKey, _secretKey, _createBucket, _urlExpiry }
                .FirstOrDefault(o => parse.GetResult(o) is { Implicit: false })?.Name;
            if (s3Option is not null)
            {
                throw new CliInputException(s3Option, "applies only with --sink s3://…");
            }

            string root = Path.GetFullPath(folder);
            if (File.Exists(root))
            {
                throw new CliInputException("--out", $"{root} is a file, not a folder");
            }

            return new Target(new FileSystemChunkSinkFactory(root), id => Path.Combine(root, id), null);
        }

        var factory = new S3ChunkSinkFactory(S3Options(parse, sink!, environment));
        return new Target(factory, id => $"s3://{factory.Options.BucketName}/{factory.ExportPrefix(id)}", factory);
    }

    private S3ChunkSinkOptions S3Options(ParseResult parse, string sink, Func<string, string?> environment)
    {
        if (!sink.StartsWith("s3://", StringComparison.Ordinal))
        {
            throw new CliInputException("--sink", $"'{sink}' is not s3://bucket/prefix (for a folder use --out)");
        }

        string path = sink["s3://".Length..].TrimEnd('/');
        int slash = path.IndexOf('/', StringComparison.Ordinal);
        string bucket = slash < 0 ? path : path[..slash];
        string prefix = slash < 0 ? "" : path[(slash + 1)..];

        string? endpoint = parse.GetValue(_endpoint) ?? NonEmpty(environment("AWS_ENDPOINT_URL_S3")) ?? NonEmpty(environment("AWS_ENDPOINT_URL"));
        Uri? serviceUrl = null;
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out serviceUrl))
        {
            throw new CliInputException("--s3-endpoint", $"'{endpoint}' is not an absolute URL");
        }

        string? accessKey = parse.GetValue(_accessKey) ?? NonEmpty(environment("AWS_ACCESS_KEY_ID"));
        string? secretKey = parse.GetValue(_secretKey) ?? NonEmpty(environment("AWS_SECRET_ACCESS_KEY"));
        if (accessKey is null || secretKey is null)
        {
            throw new CliInputException(
                accessKey is null ? "--s3-access-key" : "--s3-secret-key",
                "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or give --s3-access-key and --s3-secret-key)");
        }

        string? token = NonEmpty(environment("AWS_SESSION_TOKEN"));
        int? minutes = parse.GetValue(_urlExpiry);
        var options = new S3ChunkSinkOptions
        {
            BucketName = bucket,
            Prefix = prefix,
            ServiceUrl = serviceUrl,
            Region = parse.GetValue(_region) ?? NonEmpty(environment("AWS_REGION")) ?? NonEmpty(environment("AWS_DEFAULT_REGION")) ?? S3ChunkSinkOptions.DefaultRegion,
            Credentials = token is null ? new BasicAWSCredentials(accessKey, secretKey) : new SessionAWSCredentials(accessKey, secretKey, token),
            CreateBucket = parse.GetValue(_createBucket),
            PresignExpiry = minutes is { } m ? TimeSpan.FromMinutes(m) : S3ChunkSinkOptions.DefaultPresignExpiry,
        };

        try
        {
            return options.Validate();
        }
        catch (ArgumentException e)
        {
            string option = e.ParamName switch
            {
                nameof(S3ChunkSinkOptions.ServiceUrl) => "--s3-endpoint",
                nameof(S3ChunkSinkOptions.Region) => "--s3-region",
                nameof(S3ChunkSinkOptions.PresignExpiry) => "--s3-url-expiry",
                _ => "--sink",
            };
            // The option's own message, without the " (Parameter 'X')" the runtime appends for a programmer.
            throw new CliInputException(option, e.Message.Split(" (Parameter", 2)[0]);
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>An export's sink factory, how to name where an export goes, and what to dispose afterwards.</summary>
    public sealed record Target(IChunkSinkFactory Factory, Func<string, string> Describe, IDisposable? Owned) : IDisposable
    {
        public void Dispose() => Owned?.Dispose();
    }
}

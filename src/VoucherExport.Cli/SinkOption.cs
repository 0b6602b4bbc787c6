using System.CommandLine;
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
        if (!S3SinkLocation.IsS3(sink))
        {
            throw new CliInputException("--sink", $"'{sink}' is not s3://bucket/prefix (for a folder use --out)");
        }

        int? minutes = parse.GetValue(_urlExpiry);
        var location = new S3SinkLocation
        {
            Sink = sink,
            ServiceUrl = parse.GetValue(_endpoint),
            Region = parse.GetValue(_region),
            AccessKey = parse.GetValue(_accessKey),
            SecretKey = parse.GetValue(_secretKey),
            CreateBucket = parse.GetValue(_createBucket),
            PresignExpiry = minutes is { } m ? TimeSpan.FromMinutes(m) : null,
        };
        try
        {
            return location.ToOptions(environment);
        }
        catch (ArgumentException e)
        {
            string option = e.ParamName switch
            {
                nameof(S3SinkLocation.ServiceUrl) => "--s3-endpoint",
                nameof(S3SinkLocation.Region) => "--s3-region",
                nameof(S3SinkLocation.AccessKey) => "--s3-access-key",
                nameof(S3SinkLocation.SecretKey) => "--s3-secret-key",
                nameof(S3SinkLocation.PresignExpiry) => "--s3-url-expiry",
                _ => "--sink",
            };
            throw new CliInputException(option, e.Message.Split(" (Parameter", 2)[0]);
        }
    }

    /// <summary>An export's sink factory, how to name where an export goes, and what to dispose afterwards.</summary>
    public sealed record Target(IChunkSinkFactory Factory, Func<string, string> Describe, IDisposable? Owned) : IDisposable
    {
        public void Dispose() => Owned?.Dispose();
    }
}

using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Server;

/// <summary>Everything the export server is configured with. Immutable; read from configuration and validated at start.</summary>
public sealed record ServerOptions
{
    /// <summary>The application the server accepts when <c>Applications</c> names none (a local demo only).</summary>
    public const string DemoApplicationId = "demo-app";

    /// <summary>The token of <see cref="DemoApplicationId"/>.</summary>
    public const string DemoApplicationToken = "demo-token";

    /// <summary>A token shorter than this is a typo or a placeholder, not a credential.</summary>
    public const int MinTokenLength = 8;

    /// <summary>Relative to the content root (the working folder), so a fresh clone writes beside itself, not into /tmp.</summary>
    public const string DefaultDataFolder = "data/exports";

    /// <summary>24 hours, as Stripe and the IETF Idempotency-Key draft suggest: longer than any sane client retry loop.</summary>
    public static readonly TimeSpan DefaultIdempotencyRetention = TimeSpan.FromHours(24);

    /// <summary><c>Applications:&lt;id&gt;</c> = token: who may call the API. Each application sees only its own exports.</summary>
    public ImmutableDictionary<string, string> Applications { get; init; } =
        ImmutableDictionary<string, string>.Empty.Add(DemoApplicationId, DemoApplicationToken);

    /// <summary>True when <c>Applications</c> was empty and the demo application stands in.</summary>
    public bool UsesDemoApplication { get; init; } = true;

    /// <summary><c>Exports:DataFolder</c>: where each export's chunks and manifest are written (absolute).</summary>
    public string DataFolder { get; init; } = Path.GetFullPath(DefaultDataFolder);

    /// <summary><c>Exports:MaxConcurrent</c>: exports run at once; default the core count, one export keeps about one core busy.</summary>
    public int MaxConcurrentExports { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary><c>Exports:MaxChunkBytes</c> / <c>Exports:MaxChunkRows</c>: the chunk limits of SPEC §5.</summary>
    public ChunkLimits Chunks { get; init; } = ChunkLimits.Default;

    /// <summary>
    /// <c>Exports:RetryAttempts</c> / <c>Exports:RetryDelay</c> / <c>Exports:RetryMaxDelay</c>: how an export that failed
    /// on a transient fault (a dropped connection, a timeout, an S3 503) is run again; default 3 runs in all, 2 s before
    /// the first retry, doubling, at most 30 s. <c>Exports:RetryAttempts</c> = 1 turns retries off.
    /// </summary>
    public ExportRetryOptions Retry { get; init; } = ExportRetryOptions.Default;

    /// <summary><c>Exports:Parallelism</c>: threads one export may use to format and hash; default all cores (at most 64).</summary>
    public int Parallelism { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, ChunkedCsvWriter.MaxParallelism);

    /// <summary>
    /// <c>Exports:HeartbeatInterval</c>: how often a running export renews its lease; default 2 s, so a delete on another
    /// instance stops the run within about that long.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary><c>Exports:LeaseDuration</c>: how long a claim holds without renewal (a dead instance's exports restart after it); default 30 s.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>Exports:Sink</c>: <c>s3://bucket/prefix</c> to store chunks in S3 (with <see cref="S3"/>), or null for <see cref="DataFolder"/>.</summary>
    public string? Sink { get; init; }

    /// <summary><c>S3:*</c>: the store of an <c>s3://</c> <see cref="Sink"/>; unset values come from the AWS environment variables.</summary>
    public Hosting.S3StorageOptions S3 { get; init; } = new();

    /// <summary><c>Registry:*</c>: the PostgreSQL registry every instance shares; without a connection string, in memory.</summary>
    public Hosting.RegistryDatabaseOptions Registry { get; init; } = new();

    /// <summary><c>Ledger:*</c>: the data exported.</summary>
    public LedgerOptions Ledger { get; init; } = new();

    /// <summary><c>Limits:*</c>: request limits.</summary>
    public RequestLimits Limits { get; init; } = new();

    /// <summary><c>Downloads:*</c>: signed download URLs.</summary>
    public DownloadOptions Downloads { get; init; } = new();

    /// <summary><c>Idempotency:Retention</c>: how long an <c>Idempotency-Key</c> keeps answering with the same export.</summary>
    public TimeSpan IdempotencyRetention { get; init; } = DefaultIdempotencyRetention;

    /// <summary>Throws <see cref="ServerConfigurationException"/> naming the first bad setting.</summary>
    public ServerOptions Validate()
    {
        if (Applications.IsEmpty)
        {
            throw new ServerConfigurationException("Applications", "names no application");
        }

        var tokens = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, token) in Applications.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(id) || id.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                throw new ServerConfigurationException($"Applications:{id}", "an application id must be non-empty, without spaces or control characters");
            }

            if (token.Length < MinTokenLength || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                throw new ServerConfigurationException($"Applications:{id}", $"the token must be at least {MinTokenLength} characters, without spaces or control characters");
            }

            // A Bearer token alone must name one application.
            if (!tokens.Add(token))
            {
                throw new ServerConfigurationException($"Applications:{id}", "the token is also another application's token");
            }
        }

        if (string.IsNullOrWhiteSpace(DataFolder) || !Path.IsPathFullyQualified(DataFolder))
        {
            throw new ServerConfigurationException("Exports:DataFolder", $"must be an absolute path once resolved, not '{DataFolder}'");
        }

        if (MaxConcurrentExports < 1)
        {
            throw new ServerConfigurationException("Exports:MaxConcurrent", $"must be at least 1, not {MaxConcurrentExports}");
        }

        try
        {
            ArgumentNullException.ThrowIfNull(Chunks);
            Chunks.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw e.ParamName switch
            {
                nameof(ChunkLimits.MaxChunkRows) => new ServerConfigurationException("Exports:MaxChunkRows", "must be at least 1"),
                nameof(ChunkLimits.CompressionLevel) => new ServerConfigurationException(
                    "Exports:CompressionLevel",
                    $"must be between {ChunkLimits.MinCompressionLevel} and {ChunkLimits.MaxCompressionLevel}, not {Chunks.CompressionLevel}"),
                nameof(ChunkLimits.Compression) => new ServerConfigurationException("Exports:Compression", "must be none or gzip"),
                _ => new ServerConfigurationException("Exports:MaxChunkBytes", "must be at least 1"),
            };
        }

        try
        {
            ArgumentNullException.ThrowIfNull(Retry);
            Retry.Validate();
        }
        catch (ArgumentException e)
        {
            throw e.ParamName switch
            {
                nameof(ExportRetryOptions.MaxAttempts) => new ServerConfigurationException(
                    "Exports:RetryAttempts", $"must be between 1 and {ExportRetryOptions.MaxAllowedAttempts}, not {Retry.MaxAttempts}"),
                nameof(ExportRetryOptions.BaseDelay) => new ServerConfigurationException(
                    "Exports:RetryDelay", $"must not be negative, not {Retry.BaseDelay:c}"),
                _ => new ServerConfigurationException(
                    "Exports:RetryMaxDelay", $"must be at least Exports:RetryDelay ({Retry.BaseDelay:c}), not {Retry.MaxDelay:c}"),
            };
        }

        if (Parallelism is < 1 or > ChunkedCsvWriter.MaxParallelism)
        {
            throw new ServerConfigurationException("Exports:Parallelism", $"must be between 1 and {ChunkedCsvWriter.MaxParallelism}, not {Parallelism}");
        }

        if (HeartbeatInterval <= TimeSpan.Zero)
        {
            throw new ServerConfigurationException("Exports:HeartbeatInterval", $"must be more than 0, not {HeartbeatInterval:c}");
        }

        if (LeaseDuration < HeartbeatInterval * 2)
        {
            throw new ServerConfigurationException("Exports:LeaseDuration", $"must be at least twice Exports:HeartbeatInterval ({HeartbeatInterval:c}), not {LeaseDuration:c}");
        }

        ArgumentNullException.ThrowIfNull(S3);
        ArgumentNullException.ThrowIfNull(Registry);
        if (Hosting.ServiceParts.Problems(ToServiceOptions()).FirstOrDefault() is ({ } setting, { } problem))
        {
            throw new ServerConfigurationException(ServerKey(setting), problem);
        }

        ArgumentNullException.ThrowIfNull(Ledger);
        ArgumentNullException.ThrowIfNull(Limits);
        ArgumentNullException.ThrowIfNull(Downloads);
        Ledger.Validate();
        Limits.Validate();
        Downloads.Validate();
        if (Registry.ConnectionString is not null && Downloads.Secret is null)
        {
            throw new ServerConfigurationException("Downloads:Secret",
                "is required with Registry:ConnectionString: every instance must accept the download URLs the others sign (at least 32 bytes, the same on all)");
        }

        if (IdempotencyRetention <= TimeSpan.Zero || IdempotencyRetention > TimeSpan.FromDays(7))
        {
            throw new ServerConfigurationException("Idempotency:Retention", $"must be more than 0 and at most 7.00:00:00, not {IdempotencyRetention:c}");
        }

        return this;
    }

    /// <summary>These options as the host's (<c>AddVoucherExport</c>) options, which build the registry, its store and its sinks.</summary>
    public Hosting.VoucherExportOptions ToServiceOptions() => new()
    {
        DataDirectory = DataFolder,
        MaxConcurrentExports = MaxConcurrentExports,
        MaxChunkBytes = Chunks.MaxChunkBytes,
        MaxChunkRows = Chunks.MaxChunkRows,
        Compression = Chunks.Compression == ChunkCompression.Gzip ? "gzip" : "none",
        CompressionLevel = Chunks.CompressionLevel,
        RetryAttempts = Retry.MaxAttempts,
        RetryDelay = Retry.BaseDelay,
        RetryMaxDelay = Retry.MaxDelay,
        Parallelism = Parallelism,
        HeartbeatInterval = HeartbeatInterval,
        LeaseDuration = LeaseDuration,
        Sink = Sink,
        S3 = S3,
        Registry = Registry,

        // Checked with the host's rules; the server opens the ledger itself (LedgerOptions.ToLocation), with its file settings.
        Ledger = new Hosting.LedgerDatabaseOptions
        {
            ConnectionString = Ledger?.ConnectionString,
            Schema = Ledger?.Schema,
            Table = Ledger?.Table,
            VouchersTable = Ledger?.VouchersTable,
            Partitions = Ledger?.Partitions,
        },
    };

    /// <summary>The server's name of a host setting (relative to the <c>VoucherExport</c> section): <c>Sink</c> is <c>Exports:Sink</c>.</summary>
    internal static string ServerKey(string setting) => setting switch
    {
        nameof(Hosting.VoucherExportOptions.Sink) => "Exports:Sink",
        nameof(Hosting.VoucherExportOptions.Parallelism) => "Exports:Parallelism",
        _ => setting,
    };

    /// <summary>
    /// Reads the options from <paramref name="configuration"/> (appsettings.json, environment, command line); relative paths
    /// are resolved against <paramref name="contentRoot"/>. Throws <see cref="ServerConfigurationException"/> naming a bad key.
    /// </summary>
    public static ServerOptions FromConfiguration(IConfiguration configuration, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(contentRoot);
        var applications = configuration.GetSection("Applications").GetChildren()
            .Where(c => c.Value is not null)
            .ToImmutableDictionary(c => c.Key, c => c.Value!, StringComparer.Ordinal);
        var defaults = new ServerOptions();
        var ledger = new LedgerOptions
        {
            DemoRows = ReadLong(configuration, "Ledger:DemoRows") ?? LedgerOptions.DefaultDemoRows,
            DemoSeed = (int)(ReadLong(configuration, "Ledger:DemoSeed", int.MinValue, int.MaxValue) ?? 1),
            Path = ReadPath(configuration, "Ledger:Path", contentRoot),
            ConnectionString = Text(configuration, "Ledger:ConnectionString"),
            Schema = Text(configuration, "Ledger:Schema"),
            Table = Text(configuration, "Ledger:Table"),
            VouchersTable = Text(configuration, "Ledger:VouchersTable"),
            Partitions = (int?)ReadLong(configuration, "Ledger:Partitions", 1, 64),
            VouchersPath = ReadPath(configuration, "Ledger:Vouchers", contentRoot),
            DeclaredOrder = Text(configuration, "Ledger:Order") switch
            {
                null => null,
                "created_at" => ExportOrder.CreatedAtAscending,
                "-created_at" => ExportOrder.CreatedAtDescending,
                var other => throw new ServerConfigurationException("Ledger:Order", $"must be created_at or -created_at, not '{other}'"),
            },
            MalformedRows = Text(configuration, "Ledger:MalformedRows") switch
            {
                null => MalformedRowPolicy.Fail,
                var text when text.Equals("Fail", StringComparison.OrdinalIgnoreCase) => MalformedRowPolicy.Fail,
                var text when text.Equals("Skip", StringComparison.OrdinalIgnoreCase) => MalformedRowPolicy.Skip,
                var other => throw new ServerConfigurationException("Ledger:MalformedRows", $"must be Fail or Skip, not '{other}'"),
            },
        };
        return new ServerOptions
        {
            Applications = applications.IsEmpty ? defaults.Applications : applications,
            UsesDemoApplication = applications.IsEmpty,
            DataFolder = ReadPath(configuration, "Exports:DataFolder", contentRoot) ?? Path.GetFullPath(DefaultDataFolder, contentRoot),
            MaxConcurrentExports = (int)(ReadLong(configuration, "Exports:MaxConcurrent", 1, 1024) ?? defaults.MaxConcurrentExports),
            Chunks = new ChunkLimits
            {
                MaxChunkBytes = ReadLong(configuration, "Exports:MaxChunkBytes") ?? ChunkLimits.DefaultMaxChunkBytes,
                MaxChunkRows = ReadLong(configuration, "Exports:MaxChunkRows"),
                Compression = Text(configuration, "Exports:Compression") switch
                {
                    null => ChunkCompression.None,
                    var none when none.Equals("none", StringComparison.OrdinalIgnoreCase) => ChunkCompression.None,
                    var gzip when gzip.Equals("gzip", StringComparison.OrdinalIgnoreCase) => ChunkCompression.Gzip,
                    var other => throw new ServerConfigurationException("Exports:Compression", $"must be none or gzip, not '{other}'"),
                },
                CompressionLevel = (int)(ReadLong(configuration, "Exports:CompressionLevel", int.MinValue, int.MaxValue)
                    ?? ChunkLimits.DefaultCompressionLevel),
            },
            Retry = new ExportRetryOptions
            {
                MaxAttempts = (int)(ReadLong(configuration, "Exports:RetryAttempts", int.MinValue, int.MaxValue)
                    ?? ExportRetryOptions.DefaultMaxAttempts),
                BaseDelay = ReadTimeSpan(configuration, "Exports:RetryDelay") ?? ExportRetryOptions.DefaultBaseDelay,
                MaxDelay = ReadTimeSpan(configuration, "Exports:RetryMaxDelay") ?? ExportRetryOptions.DefaultMaxDelay,
            },
            Parallelism = (int)(ReadLong(configuration, "Exports:Parallelism", int.MinValue, int.MaxValue) ?? defaults.Parallelism),
            HeartbeatInterval = ReadTimeSpan(configuration, "Exports:HeartbeatInterval") ?? defaults.HeartbeatInterval,
            LeaseDuration = ReadTimeSpan(configuration, "Exports:LeaseDuration") ?? defaults.LeaseDuration,
            Sink = Text(configuration, "Exports:Sink"),
            S3 = new Hosting.S3StorageOptions
            {
                ServiceUrl = Text(configuration, "S3:ServiceUrl"),
                Region = Text(configuration, "S3:Region"),
                AccessKey = Text(configuration, "S3:AccessKey"),
                SecretKey = Text(configuration, "S3:SecretKey"),
                CreateBucket = Text(configuration, "S3:CreateBucket") switch
                {
                    null => false,
                    var text when bool.TryParse(text, out bool create) => create,
                    var other => throw new ServerConfigurationException("S3:CreateBucket", $"must be true or false, not '{other}'"),
                },
            },
            Registry = new Hosting.RegistryDatabaseOptions
            {
                ConnectionString = Text(configuration, "Registry:ConnectionString"),
                Schema = Text(configuration, "Registry:Schema") ?? "public",
                Table = Text(configuration, "Registry:Table") ?? "voucher_exports",
            },
            Ledger = ledger,
            Limits = new RequestLimits
            {
                MaxBodyBytes = (int)(ReadLong(configuration, "Limits:MaxBodyBytes", 0, int.MaxValue) ?? RequestLimits.DefaultMaxBodyBytes),
                MaxFilterConditions = (int)(ReadLong(configuration, "Limits:MaxFilterConditions", 0, int.MaxValue) ?? RequestLimits.DefaultMaxFilterConditions),
                MaxInValues = (int)(ReadLong(configuration, "Limits:MaxInValues", 0, int.MaxValue) ?? RequestLimits.DefaultMaxInValues),
            },
            Downloads = new DownloadOptions
            {
                Secret = Text(configuration, "Downloads:Secret"),
                TokenLifetime = ReadTimeSpan(configuration, "Downloads:TokenLifetime") ?? DownloadOptions.DefaultTokenLifetime,
                BaseUrl = Text(configuration, "Downloads:BaseUrl") is { } baseUrl
                    ? (Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri)
                        ? uri
                        : throw new ServerConfigurationException("Downloads:BaseUrl", $"'{baseUrl}' is not an absolute URL"))
                    : null,
            },
            IdempotencyRetention = ReadTimeSpan(configuration, "Idempotency:Retention") ?? DefaultIdempotencyRetention,
        }.Validate();
    }

    private static string? Text(IConfiguration configuration, string key)
    {
        string? value = configuration[key];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private static string? ReadPath(IConfiguration configuration, string key, string contentRoot) =>
        Text(configuration, key) is { } path ? Path.GetFullPath(path, contentRoot) : null;

    private static long? ReadLong(IConfiguration configuration, string key, long min = long.MinValue, long max = long.MaxValue)
    {
        if (Text(configuration, key) is not { } text)
        {
            return null;
        }

        if (!long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            throw new ServerConfigurationException(key, $"'{text}' is not a whole number");
        }

        if (value < min || value > max)
        {
            throw new ServerConfigurationException(key, $"{value} is outside {min}..{max}");
        }

        return value;
    }

    private static TimeSpan? ReadTimeSpan(IConfiguration configuration, string key)
    {
        if (Text(configuration, key) is not { } text)
        {
            return null;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ServerConfigurationException(key, $"'{text}' is not a time span such as 00:15:00");
    }
}

using System.Globalization;
using System.Security.Cryptography;
using Npgsql;
using VoucherExport.Demo;
using VoucherExport.PostgreSql;
using VoucherExport.Testing;
using VoucherExport.Transactions;

namespace VoucherExport.LoadTest;

/// <summary>
/// The service as deployed, for <c>--instances N</c>: the demo ledger loaded into a private PostgreSQL schema (ledger and
/// voucher directory), N <c>voucher-export serve</c> processes sharing it and a PostgreSQL registry in the same schema,
/// and one S3 bucket (or one folder when no S3 gateway is configured). Dropped again when disposed.
/// </summary>
public sealed class ServiceSetup : IAsyncDisposable
{
    private const string Secret = "load-test-secret-every-instance-shares";

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly List<ServerProcess> _instances = [];

    private ServiceSetup(NpgsqlDataSource dataSource, string schema, PostgresLedgerOptions ledger)
    {
        _dataSource = dataSource;
        _schema = schema;
        Ledger = ledger;
    }

    /// <summary>The running instances.</summary>
    public IReadOnlyList<ServerProcess> Instances => _instances;

    /// <summary>The ledger's place, for the expected outputs (read through the same table the instances read).</summary>
    public PostgresLedgerOptions Ledger { get; }

    /// <summary>A source over the loaded ledger, as the instances see it (jsonb details included).</summary>
    public ITransactionSource Source => new PostgresTransactionSource(_dataSource, Ledger);

    /// <summary>The voucher directory the instances use.</summary>
    public IVoucherDirectory Vouchers => new PostgresVoucherDirectory(_dataSource, Ledger);

    /// <summary>Loads the demo ledger of <paramref name="options"/> into a new schema of <c>VX_POSTGRES</c>.</summary>
    public static async Task<ServiceSetup> CreateAsync(LoadOptions options)
    {
        string connectionString = Environment.GetEnvironmentVariable("VX_POSTGRES")
            ?? throw new ArgumentException("--instances needs PostgreSQL: set VX_POSTGRES (eval \"$(scripts/start-services)\")");
        string schema = "vx_load_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        var ledger = new PostgresLedgerOptions { Schema = schema };
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var demo = new DemoLedger(options.Rows, options.LedgerSeed);
        await PostgresLedgerLoader.ReplaceAsync(dataSource, demo.AsSource(), demo.Vouchers, ledger);
        return new ServiceSetup(dataSource, schema, ledger);
    }

    /// <summary>Starts <see cref="LoadOptions.Instances"/> instances of <paramref name="cliDll"/>.</summary>
    public async Task StartAsync(string cliDll, LoadOptions options)
    {
        string postgres = Environment.GetEnvironmentVariable("VX_POSTGRES")!;
        string? endpoint = Environment.GetEnvironmentVariable("VX_S3_ENDPOINT");
        string folder = Path.Combine(Path.GetTempPath(), "vx-load", _schema);
        var environment = new Dictionary<string, string>
        {
            ["Exports__MaxConcurrent"] = options.MaxConcurrentExports.ToString(CultureInfo.InvariantCulture),
            ["Registry__Schema"] = _schema,
            ["Ledger__Schema"] = _schema,
            ["Downloads__Secret"] = Secret,
        };
        if (options.Lease is { } lease)
        {
            environment["Exports__LeaseDuration"] = lease.ToString("c", CultureInfo.InvariantCulture);
            environment["Exports__HeartbeatInterval"] = (lease / 3).ToString("c", CultureInfo.InvariantCulture);
        }

        List<string> arguments = ["--registry", postgres, "--ledger", postgres,
            "--max-chunk-rows", options.MaxChunkRows.ToString(CultureInfo.InvariantCulture)];
        if (endpoint is not null)
        {
            arguments.AddRange(["--sink", $"s3://vx-load/{_schema}"]);
            environment["S3__ServiceUrl"] = endpoint;
            environment["S3__AccessKey"] = Environment.GetEnvironmentVariable("VX_S3_ACCESS_KEY") ?? "";
            environment["S3__SecretKey"] = Environment.GetEnvironmentVariable("VX_S3_SECRET_KEY") ?? "";
            environment["S3__CreateBucket"] = "true";
        }
        else
        {
            // One machine: a shared folder stands in for the bucket.
            arguments.AddRange(["--data", folder]);
        }

        for (int i = 0; i < options.Instances; i++)
        {
            _instances.Add(await ServerProcess.StartAsync(cliDll, arguments, environment, TimeSpan.FromMinutes(2)));
        }
    }

    /// <summary>The exports <paramref name="instance"/> runs now: those whose lease owner names its process (<c>host:pid:…</c>).</summary>
    public async Task<IReadOnlyList<string>> HeldByAsync(ServerProcess instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await using NpgsqlCommand command = _dataSource.CreateCommand(
            $"SELECT id FROM \"{_schema}\".voucher_exports WHERE status = 'IN_PROGRESS' AND lease_owner LIKE $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"%:{instance.ProcessId}:%" });
        var ids = new List<string>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>What the exports are stored in, for the report.</summary>
    public static string Storage => Environment.GetEnvironmentVariable("VX_S3_ENDPOINT") is { } s3 ? $"S3 at {s3}" : "one shared folder";

    /// <summary>Stops the instances and drops the schema.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (ServerProcess instance in _instances)
        {
            await instance.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        await using (NpgsqlCommand drop = _dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await _dataSource.DisposeAsync();
    }
}

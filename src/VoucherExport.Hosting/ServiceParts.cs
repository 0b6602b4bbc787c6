using Npgsql;
using VoucherExport.Chunks;
using VoucherExport.PostgreSql;
using VoucherExport.S3;

namespace VoucherExport.Hosting;

/// <summary>
/// Builds the parts the options name — the PostgreSQL registry, the S3 or folder sink — and checks at start that the
/// servers they name answer. The host's container, the server and the command line all get their parts here.
/// </summary>
internal static class ServiceParts
{
    private const string DefaultRegistrySchema = "public";

    /// <summary>What is wrong with the database and storage settings, each with its setting (relative to the section).</summary>
    public static IEnumerable<(string Setting, string Problem)> Problems(VoucherExportOptions options)
    {
        var problems = new List<(string, string)>();
        if (options.Registry.ConnectionString is { Length: > 0 } registry)
        {
            try
            {
                PostgresConnectionString.Parse(registry);
            }
            catch (ArgumentException e)
            {
                problems.Add(("Registry:ConnectionString", Message(e)));
            }

            if (RegistryUrlProblem(options.Registry) is { } urlProblem)
            {
                problems.Add(urlProblem);
            }

            try
            {
                RegistryStoreOptions(options).Validate();
            }
            catch (ArgumentException e)
            {
                problems.Add(($"Registry:{e.ParamName}", Message(e)));
            }
        }

        if (options.Ledger.ConnectionString is { Length: > 0 } ledger)
        {
            if (options.LedgerPath is not null)
            {
                problems.Add(("Ledger:ConnectionString", $"a ledger is either a database or a file; LedgerPath is set too"));
            }

            try
            {
                PostgresConnectionString.Parse(ledger);
            }
            catch (ArgumentException e)
            {
                problems.Add(("Ledger:ConnectionString", Message(e)));
            }

            try
            {
                new PostgresLedgerOptions
                {
                    Schema = options.Ledger.Schema ?? PostgresLedgerOptions.Default.Schema,
                    Table = options.Ledger.Table ?? PostgresLedgerOptions.Default.Table,
                    VouchersTable = options.Ledger.VouchersTable ?? PostgresLedgerOptions.Default.VouchersTable,
                    Partitions = options.Ledger.Partitions ?? PostgresLedgerOptions.Default.Partitions,
                }.Validate();
            }
            catch (ArgumentException e)
            {
                problems.Add(($"Ledger:{e.ParamName}", Message(e)));
            }
        }

        if (options.Sink is { Length: > 0 } sink)
        {
            try
            {
                S3Location(options, sink).ToOptions();
            }
            catch (ArgumentException e)
            {
                problems.Add((e.ParamName == nameof(S3SinkLocation.Sink) ? nameof(VoucherExportOptions.Sink) : $"S3:{e.ParamName}", Message(e)));
            }
        }

        return problems;
    }

    /// <summary>The registry's database, its tables created or migrated (under a lock, so instances may start at once).</summary>
    public static RegistryDatabase OpenRegistry(VoucherExportOptions options)
    {
        string connectionString = PostgresConnectionString.Parse(options.Registry.ConnectionString!);
        PostgresExportStoreOptions storeOptions = RegistryStoreOptions(options).Validate();
        NpgsqlDataSource dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            PostgresExportStore.EnsureCreatedAsync(dataSource, storeOptions).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            dataSource.Dispose();
            throw new VoucherExportStartException("Registry:ConnectionString",
                $"PostgreSQL at {PostgresConnectionString.Describe(connectionString)} cannot be reached: {LedgerOpener.OneLine(e)}", e);
        }

        return new RegistryDatabase(dataSource, storeOptions);
    }

    /// <summary>The sink factory: S3 when <see cref="VoucherExportOptions.Sink"/> is set (checked to answer), else the data folder.</summary>
    public static IChunkSinkFactory OpenSinks(VoucherExportOptions options, string contentRoot)
    {
        if (options.Sink is not { Length: > 0 } sink)
        {
            return new FileSystemChunkSinkFactory(Path.GetFullPath(options.DataDirectory, contentRoot));
        }

        var factory = new S3ChunkSinkFactory(S3Location(options, sink).ToOptions());
        try
        {
            factory.CheckAsync().GetAwaiter().GetResult();
        }
        catch (IOException e)
        {
            factory.Dispose();
            throw new VoucherExportStartException(nameof(VoucherExportOptions.Sink), LedgerOpener.OneLine(e), e);
        }

        return factory;
    }

    private static PostgresExportStoreOptions RegistryStoreOptions(VoucherExportOptions options) =>
        new() { Schema = RegistrySchema(options.Registry), Table = options.Registry.Table };

    /// <summary>
    /// The schema of the registry's tables: <c>Registry:Schema</c>, or the <c>schema=</c> of a <c>postgres://</c> URL in
    /// <c>Registry:ConnectionString</c> when <c>Registry:Schema</c> is left at its default (<c>public</c>).
    /// </summary>
    public static string RegistrySchema(RegistryDatabaseOptions registry) =>
        registry.Schema == DefaultRegistrySchema && UrlSettings(registry.ConnectionString).TryGetValue("schema", out string? schema)
            ? schema
            : registry.Schema;

    // A registry URL names its schema only: table=, vouchers= and partitions= are the ledger's, and a schema= that
    // contradicts Registry:Schema would leave one of them ignored.
    private static (string, string)? RegistryUrlProblem(RegistryDatabaseOptions registry)
    {
        var settings = UrlSettings(registry.ConnectionString);
        if (settings.Keys.FirstOrDefault(k => k != "schema") is { } ledgerOnly)
        {
            return ("Registry:ConnectionString",
                $"'{ledgerOnly}=' names a ledger table, not the registry's; a registry URL takes only schema= (the table is Registry:Table)");
        }

        if (settings.TryGetValue("schema", out string? schema) && registry.Schema != DefaultRegistrySchema && registry.Schema != schema)
        {
            return ("Registry:Schema",
                $"'{registry.Schema}' contradicts schema={schema} in Registry:ConnectionString; name the schema in one place");
        }

        return null;
    }

    // The query settings of a postgres:// URL (none for an Npgsql connection string or an unreadable URL, reported elsewhere).
    private static Dictionary<string, string> UrlSettings(string? connectionString)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (connectionString is null
            || !(connectionString.StartsWith("postgres://", StringComparison.Ordinal) || connectionString.StartsWith("postgresql://", StringComparison.Ordinal))
            || !Uri.TryCreate(connectionString, UriKind.Absolute, out Uri? uri))
        {
            return settings;
        }

        foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = pair.Split('=', 2);
            settings[kv[0]] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : string.Empty;
        }

        return settings;
    }

    private static S3SinkLocation S3Location(VoucherExportOptions options, string sink) => new()
    {
        Sink = sink,
        ServiceUrl = options.S3.ServiceUrl,
        Region = options.S3.Region,
        AccessKey = options.S3.AccessKey,
        SecretKey = options.S3.SecretKey,
        CreateBucket = options.S3.CreateBucket,
    };

    private static string Message(ArgumentException e) => e.Message.Split(" (Parameter", 2)[0];
}

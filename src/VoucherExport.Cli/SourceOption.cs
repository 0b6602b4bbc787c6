using VoucherExport.Demo;
using VoucherExport.Hosting;
using VoucherExport.Parameters;
using VoucherExport.PostgreSql;
using VoucherExport.Transactions;

namespace VoucherExport.Cli;

/// <summary>
/// Turns <c>--source</c> and <c>--vouchers</c> into a transaction source and a voucher directory, through the ledger
/// opener the server and hosts share (<see cref="LedgerOpener"/>).
/// </summary>
internal static class SourceOption
{
    public static (ITransactionSource Source, IVoucherDirectory Vouchers, string Description) Open(
        string source, string? vouchersPath, string? sourceOrder = null, bool skipMalformed = false)
    {
        bool demo = source.StartsWith("demo:", StringComparison.Ordinal);
        bool database = PostgresConnectionUrl.IsPostgres(source);
        if (skipMalformed && (demo || database))
        {
            // The demo and PostgreSQL ledgers have typed rows: there is nothing malformed to skip.
            throw new CliInputException("--skip-malformed", "applies only to a .jsonl or .csv ledger");
        }

        if (!LedgerLocation.TryParseOrder(sourceOrder, out ExportOrder? declared))
        {
            throw new CliInputException("--source-order", $"'{sourceOrder}' is not created_at or -created_at");
        }

        if (declared is not null && (demo || database || source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)))
        {
            throw new CliInputException("--source-order", "only a .jsonl ledger can declare its order");
        }

        long demoRows = 0;
        if (demo && !long.TryParse(source.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out demoRows))
        {
            throw new CliInputException("--source", $"'{source}': demo:N needs a row count, e.g. demo:100000");
        }

        if (!demo && !database && !File.Exists(source))
        {
            throw new CliInputException("--source", $"no such file: {source} (give a .jsonl or .csv ledger, demo:N, postgres://… or Host=…)");
        }

        var location = new LedgerLocation
        {
            ConnectionString = database ? source : null,
            Path = demo || database ? null : source,
            VouchersPath = vouchersPath,
            DemoRows = demoRows,
            DeclaredOrder = declared,
            MalformedRows = skipMalformed ? MalformedRowPolicy.Skip : MalformedRowPolicy.Fail,
        };
        try
        {
            // The CLI runs one export and exits: the database connections close with the process.
            OpenedLedger ledger = LedgerOpener.Open(location);
            return (ledger.Source ?? new InMemoryTransactionSource([]), ledger.Vouchers, ledger.Description);
        }
        catch (ArgumentException e)
        {
            string message = e.Message.Split(" (Parameter", 2)[0];
            throw e.ParamName == nameof(LedgerLocation.VouchersPath)
                ? new CliInputException("--vouchers", message)
                : new CliInputException("--source", database ? $"not a usable PostgreSQL source: {message}" : message);
        }
    }

    /// <summary>The demo ledger <c>demo:N</c> names; null when <paramref name="source"/> is not <c>demo:</c>.</summary>
    public static DemoLedger? OpenDemo(string source)
    {
        if (!source.StartsWith("demo:", StringComparison.Ordinal))
        {
            return null;
        }

        if (!long.TryParse(source.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long rows))
        {
            throw new CliInputException("--source", $"'{source}': demo:N needs a row count, e.g. demo:100000");
        }

        return new DemoLedger(rows);
    }

    /// <summary>
    /// A PostgreSQL address given to <paramref name="option"/>: <c>postgres://user:password@host:port/database?schema=…&amp;table=…&amp;vouchers=…&amp;partitions=…</c>
    /// or an Npgsql connection string (<c>Host=…;Username=…</c>, the default tables).
    /// </summary>
    public static (string ConnectionString, PostgresLedgerOptions Options) ParsePostgres(string value, string option)
    {
        try
        {
            return PostgresConnectionUrl.Parse(value);
        }
        catch (FormatException e)
        {
            throw new CliInputException(option, e.Message);
        }
    }
}

using Npgsql;
using VoucherExport.PostgreSql;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Cli;

/// <summary>Turns <c>--source</c> and <c>--vouchers</c> into a transaction source and a voucher directory.</summary>
internal static class SourceOption
{
    public static (ITransactionSource Source, IVoucherDirectory Vouchers, string Description) Open(
        string source, string? vouchersPath, string? sourceOrder = null, bool skipMalformed = false)
    {
        MalformedRowPolicy policy = skipMalformed ? MalformedRowPolicy.Skip : MalformedRowPolicy.Fail;
        bool fileLedger = !source.StartsWith("demo:", StringComparison.Ordinal) && !PostgresConnectionUrl.IsPostgres(source);
        if (skipMalformed && !fileLedger)
        {
            // The demo and PostgreSQL ledgers have typed rows: there is nothing malformed to skip.
            throw new CliInputException("--skip-malformed", "applies only to a .jsonl or .csv ledger");
        }

        ExportOrder? declared = sourceOrder switch
        {
            null => null,
            "created_at" => ExportOrder.CreatedAtAscending,
            "-created_at" => ExportOrder.CreatedAtDescending,
            _ => throw new CliInputException("--source-order", $"'{sourceOrder}' is not created_at or -created_at"),
        };
        if (declared is not null && (source.StartsWith("demo:", StringComparison.Ordinal) || source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)))
        {
            throw new CliInputException("--source-order", "only a .jsonl ledger can declare its order");
        }

        IVoucherDirectory directory = InMemoryVoucherDirectory.Empty;
        if (vouchersPath is not null)
        {
            if (!File.Exists(vouchersPath))
            {
                throw new CliInputException("--vouchers", $"no such file: {vouchersPath}");
            }

            try
            {
                directory = new InMemoryVoucherDirectory(VoucherJsonLines.Read(vouchersPath));
            }
            catch (LedgerFormatException e)
            {
                throw new CliInputException("--vouchers", e.Message);
            }
        }

        if (OpenDemo(source) is { } ledger)
        {
            return (ledger.AsSource(), vouchersPath is null ? new InMemoryVoucherDirectory(ledger.Vouchers) : directory, $"demo ledger of {ledger.Rows:N0} rows");
        }

        if (PostgresConnectionUrl.IsPostgres(source))
        {
            // The voucher directory lives beside the ledger unless a file is named.
            var (connectionString, ledgerOptions) = ParsePostgres(source, "--source");
            NpgsqlDataSource dataSource = NpgsqlDataSource.Create(connectionString);
            IVoucherDirectory vouchers = vouchersPath is null ? new PostgresVoucherDirectory(dataSource, ledgerOptions) : directory;
            return (new PostgresTransactionSource(dataSource, ledgerOptions), vouchers, "PostgreSQL ledger");
        }

        if (!File.Exists(source))
        {
            throw new CliInputException("--source", $"no such file: {source} (give a .jsonl or .csv ledger, demo:N, postgres://… or Host=…)");
        }

        ITransactionSource opened = source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)
            ? new CsvTransactionSource(source, new CsvSourceOptions { MalformedRows = policy })
            : new JsonLinesTransactionSource(source, new JsonLinesSourceOptions { DeclaredOrder = declared, MalformedRows = policy });
        return (opened, directory, source);
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

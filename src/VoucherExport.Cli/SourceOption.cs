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
        bool fileLedger = !source.StartsWith("demo:", StringComparison.Ordinal) && !source.StartsWith("postgres://", StringComparison.Ordinal)
            && !source.StartsWith("postgresql://", StringComparison.Ordinal) && !source.StartsWith("Host=", StringComparison.OrdinalIgnoreCase);
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

        if (source.StartsWith("demo:", StringComparison.Ordinal))
        {
            if (!long.TryParse(source.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long rows))
            {
                throw new CliInputException("--source", $"'{source}': demo:N needs a row count, e.g. demo:100000");
            }

            var ledger = new DemoLedger(rows);
            return (ledger.AsSource(), vouchersPath is null ? new InMemoryVoucherDirectory(ledger.Vouchers) : directory, $"demo ledger of {rows:N0} rows");
        }

        if (source.StartsWith("postgres://", StringComparison.Ordinal) || source.StartsWith("postgresql://", StringComparison.Ordinal)
            || source.StartsWith("Host=", StringComparison.OrdinalIgnoreCase))
        {
            return (OpenPostgres(source), directory, "PostgreSQL ledger");
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

    /// <summary>
    /// A PostgreSQL ledger from <c>postgres://user:password@host:port/database?schema=…&amp;table=…&amp;partitions=…</c> or
    /// an Npgsql connection string (<c>Host=…;Username=…</c>, the default table <c>public.voucher_transactions</c>).
    /// </summary>
    private static PostgresTransactionSource OpenPostgres(string source)
    {
        var options = PostgresLedgerOptions.Default;
        string connectionString = source;
        try
        {
            if (!source.StartsWith("Host=", StringComparison.OrdinalIgnoreCase))
            {
                var uri = new Uri(source);
                string[] user = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
                var builder = new NpgsqlConnectionStringBuilder
                {
                    Host = uri.Host,
                    Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
                    Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
                    Username = user[0].Length == 0 ? null : user[0],
                    Password = user.Length > 1 ? user[1] : null,
                };
                foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
                {
                    string[] kv = pair.Split('=', 2);
                    string value = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : string.Empty;
                    options = kv[0] switch
                    {
                        "schema" => options with { Schema = value },
                        "table" => options with { Table = value },
                        "partitions" => options with { Partitions = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
                        _ => throw new CliInputException("--source", $"unknown option '{kv[0]}' in the PostgreSQL URL (allowed: schema, table, partitions)"),
                    };
                }

                connectionString = builder.ConnectionString;
            }

            return new PostgresTransactionSource(NpgsqlDataSource.Create(connectionString), options.Validate());
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException or OverflowException)
        {
            throw new CliInputException("--source", $"not a usable PostgreSQL source: {e.Message}");
        }
    }
}

using System.Globalization;
using Npgsql;
using VoucherExport.Demo;
using VoucherExport.PostgreSql;
using VoucherExport.Transactions;

namespace VoucherExport.Hosting;

/// <summary>
/// The one place a ledger is opened from its <see cref="LedgerLocation"/>: the command line (<c>--source</c>,
/// <c>serve --ledger</c>), the server (<c>Ledger:*</c>) and hosts (<c>VoucherExport:Ledger:*</c>, <c>LedgerPath</c>).
/// </summary>
public static class LedgerOpener
{
    /// <summary>
    /// Opens the ledger without reading it (files are opened per export; a database is not contacted until
    /// <see cref="CheckAsync"/> or the first export). Throws <see cref="ArgumentException"/> whose
    /// <see cref="ArgumentException.ParamName"/> names the <see cref="LedgerLocation"/> property at fault.
    /// </summary>
    public static OpenedLedger Open(LedgerLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (location.ConnectionString is not null && location.Path is not null)
        {
            throw new ArgumentException("a ledger is either a database or a file, not both", nameof(LedgerLocation.Path));
        }

        IVoucherDirectory vouchers = InMemoryVoucherDirectory.Empty;
        int voucherCount = 0;
        if (location.VouchersPath is { } vouchersPath)
        {
            if (!File.Exists(vouchersPath))
            {
                throw new ArgumentException($"no such file: {vouchersPath}", nameof(LedgerLocation.VouchersPath));
            }

            try
            {
                var list = VoucherJsonLines.Read(vouchersPath);
                voucherCount = list.Count;
                vouchers = new InMemoryVoucherDirectory(list);
            }
            catch (LedgerFormatException e)
            {
                throw new ArgumentException(e.Message, nameof(LedgerLocation.VouchersPath), e);
            }
        }

        string withVouchers = string.Create(CultureInfo.InvariantCulture, $"{voucherCount:N0} vouchers");
        if (location.ConnectionString is { } connection)
        {
            // The vouchers live beside the ledger, in its database, unless a file is named.
            var (source, dataSource, description) = OpenPostgres(location, connection);
            return location.VouchersPath is null
                ? new OpenedLedger(source, new PostgresVoucherDirectory(dataSource, source.Options), $"{description} (vouchers from {source.Options.Schema}.{source.Options.VouchersTable})", dataSource)
                : new OpenedLedger(source, vouchers, $"{description} ({withVouchers})", dataSource);
        }

        if (location.Path is { } path)
        {
            if (!File.Exists(path))
            {
                throw new ArgumentException($"no such file: {path}", nameof(LedgerLocation.Path));
            }

            bool csv = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
            if (csv && location.DeclaredOrder is not null)
            {
                throw new ArgumentException("only a JSON Lines ledger can declare its order", nameof(LedgerLocation.DeclaredOrder));
            }

            ITransactionSource file = csv
                ? new CsvTransactionSource(path, new CsvSourceOptions { MalformedRows = location.MalformedRows })
                : new JsonLinesTransactionSource(path, new JsonLinesSourceOptions { DeclaredOrder = location.DeclaredOrder, MalformedRows = location.MalformedRows });
            return new OpenedLedger(file, vouchers, $"{(csv ? "CSV" : "JSON Lines")} ledger {path} ({withVouchers})");
        }

        if (location.DemoRows < 0)
        {
            throw new ArgumentException($"must be 0 or more, not {location.DemoRows}", nameof(LedgerLocation.DemoRows));
        }

        if (location.DemoRows > 0)
        {
            var demo = new DemoLedger(location.DemoRows, location.DemoSeed);
            return new OpenedLedger(
                demo.AsSource(),
                location.VouchersPath is null ? new InMemoryVoucherDirectory(demo.Vouchers) : vouchers,
                string.Create(CultureInfo.InvariantCulture,
                    $"demo ledger of {location.DemoRows:N0} rows (seed {location.DemoSeed}, {(location.VouchersPath is null ? demo.Vouchers.Count : voucherCount):N0} vouchers)"));
        }

        return new OpenedLedger(null, vouchers, "no ledger");
    }

    /// <summary>
    /// Checks that a database ledger answers and its table is there (a file ledger needs no check); throws
    /// <see cref="IOException"/> with one line naming the server or the table.
    /// </summary>
    public static async Task CheckAsync(OpenedLedger ledger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        if (ledger is not { DataSource: { } dataSource, Source: PostgresTransactionSource source })
        {
            return;
        }

        // The catalog, not the table: a start must not wait on a lock someone holds on the ledger (a bulk load).
        string table = $"\"{source.Options.Schema}\".\"{source.Options.Table}\"";
        object? found;
        try
        {
            NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var command = new NpgsqlCommand("SELECT to_regclass($1)::text", connection)
                {
                    Parameters = { new NpgsqlParameter<string> { TypedValue = table } },
                };
                await using (command.ConfigureAwait(false))
                {
                    found = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new IOException($"PostgreSQL at {PostgresConnectionString.Describe(dataSource.ConnectionString)} cannot be reached: {OneLine(e)}", e);
        }

        if (found is null or DBNull)
        {
            throw new IOException($"the ledger table {source.Options.Schema}.{source.Options.Table} does not exist (load one with voucher-export load)");
        }
    }

    /// <summary>The first line of an exception's message and of its innermost cause, for one-line start-up errors.</summary>
    internal static string OneLine(Exception e)
    {
        Exception inner = e;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        string first = e.Message.Split('\n', 2)[0].Trim();
        string cause = inner.Message.Split('\n', 2)[0].Trim();
        return ReferenceEquals(inner, e) || first.Contains(cause, StringComparison.Ordinal) ? first : $"{first} ({cause})";
    }

    private static (PostgresTransactionSource Source, NpgsqlDataSource DataSource, string Description) OpenPostgres(LedgerLocation location, string text)
    {
        string connectionString;
        PostgresLedgerOptions options;
        try
        {
            (connectionString, options) = PostgresConnectionUrl.Parse(text);
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, nameof(LedgerLocation.ConnectionString), e);
        }

        options = options with
        {
            Schema = location.Schema ?? options.Schema,
            Table = location.Table ?? options.Table,
            VouchersTable = location.VouchersTable ?? options.VouchersTable,
            Partitions = location.Partitions ?? options.Partitions,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(e.Message.Split(" (Parameter", 2)[0], e.ParamName switch
            {
                nameof(PostgresLedgerOptions.Schema) => nameof(LedgerLocation.Schema),
                nameof(PostgresLedgerOptions.Table) => nameof(LedgerLocation.Table),
                nameof(PostgresLedgerOptions.VouchersTable) => nameof(LedgerLocation.VouchersTable),
                _ => nameof(LedgerLocation.Partitions),
            }, e);
        }

        NpgsqlDataSource dataSource = NpgsqlDataSource.Create(connectionString);
        return (new PostgresTransactionSource(dataSource, options), dataSource,
            $"PostgreSQL ledger {options.Schema}.{options.Table} at {PostgresConnectionString.Describe(connectionString)}");
    }
}

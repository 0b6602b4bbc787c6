using System.CommandLine;
using System.Diagnostics;
using Npgsql;
using VoucherExport.PostgreSql;
using VoucherExport.Transactions;

namespace VoucherExport.Cli;

/// <summary>
/// <c>voucher-export load</c>: puts a JSON Lines or CSV ledger (or a demo ledger) and its vouchers into PostgreSQL, so a
/// server can export from there (<c>serve --ledger postgres://…</c>).
/// </summary>
internal static class LoadCommand
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var source = new Option<string>("--source") { Description = "The ledger to load: a .jsonl or .csv file, or demo:N.", Required = true };
        var vouchers = new Option<string?>("--vouchers") { Description = "Its vouchers as JSON Lines (from 'generate --vouchers'); a demo ledger brings its own." };
        var into = new Option<string>("--into")
        {
            Description = "postgres://user:password@host:port/database[?schema=…&table=…&vouchers=…] or Host=…;Username=…",
            Required = true,
        };
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines." };
        var command = new Command("load", """
            Loads a ledger and its vouchers into PostgreSQL with binary COPY. The tables are created when missing; a re-run
            replaces what an earlier load put there (in one transaction: readers see the old rows or the new, never both).
            Example: voucher-export load --source ledger.jsonl --vouchers vouchers.jsonl --into postgres://exporter:exporter@127.0.0.1/exporter
            """)
        {
            source, vouchers, into, quiet,
        };

        command.SetAction(async (parse, ct) =>
        {
            string from = parse.GetValue(source)!;
            if (PostgresConnectionUrl.IsPostgres(from))
            {
                throw new CliInputException("--source", "give a .jsonl or .csv ledger or demo:N; the ledger is loaded from a file");
            }

            var (connectionString, options) = SourceOption.ParsePostgres(parse.GetValue(into)!, "--into");
            var (ledger, _, description) = SourceOption.Open(from, vouchersPath: null);
            IReadOnlyList<VoucherInfo>? voucherList = ReadVouchers(parse.GetValue(vouchers)) ?? SourceOption.OpenDemo(from)?.Vouchers;
            await using NpgsqlDataSource dataSource = NpgsqlDataSource.Create(connectionString);
            var clock = Stopwatch.StartNew();
            var progress = new LoadProgress(stderr, parse.GetValue(quiet), clock);
            PostgresLoadResult result;
            try
            {
                result = await PostgresLedgerLoader.ReplaceAsync(dataSource, ledger, voucherList, options, progress, ct);
            }
            catch (LedgerFormatException e)
            {
                throw new CliInputException("--source", e.Message);
            }
            catch (NpgsqlException e) when (e is not PostgresException)
            {
                // Not reached (refused, unknown host, timeout): one line, not a stack trace.
                throw new CliInputException("--into", $"PostgreSQL at {new NpgsqlConnectionStringBuilder(connectionString).Host} is not reachable: {e.Message}");
            }
            catch (PostgresException e)
            {
                throw new CliInputException("--into", $"PostgreSQL refused the load ({e.SqlState}): {e.MessageText}; nothing was changed");
            }

            double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            await stderr.WriteLineAsync(
                $"loaded {result.Transactions:N0} transactions ({result.Transactions / seconds:N0} rows/s) and {result.Vouchers:N0} vouchers " +
                $"from {description} into {options.Schema}.{options.Table} / {options.Schema}.{options.VouchersTable} in {seconds:N1} s");
            await stdout.WriteLineAsync(
                $$"""{"transactions":{{result.Transactions}},"vouchers":{{result.Vouchers}},"schema":"{{options.Schema}}","table":"{{options.Table}}","vouchers_table":"{{options.VouchersTable}}"}""");
            return ExitCodes.Done;
        });
        return command;
    }

    // A demo ledger brings its vouchers; a file ledger's come from --vouchers, or the directory is left as it is.
    private static IReadOnlyList<VoucherInfo>? ReadVouchers(string? path)
    {
        if (path is null)
        {
            return null;
        }

        if (!File.Exists(path))
        {
            throw new CliInputException("--vouchers", $"no such file: {path}");
        }

        try
        {
            return VoucherJsonLines.Read(path);
        }
        catch (LedgerFormatException e)
        {
            throw new CliInputException("--vouchers", e.Message);
        }
    }

    private sealed class LoadProgress(TextWriter stderr, bool quiet, Stopwatch clock) : IProgress<long>
    {
        private TimeSpan _next = ProgressInterval;

        public void Report(long value)
        {
            if (quiet || clock.Elapsed < _next)
            {
                return;
            }

            _next = clock.Elapsed + ProgressInterval;
            stderr.WriteLine($"loading: {value:N0} rows, {value / clock.Elapsed.TotalSeconds:N0} rows/s");
        }
    }
}

using System.CommandLine;
using System.Globalization;
using VoucherExport.Parameters;
using VoucherExport.Server;

namespace VoucherExport.Cli;

/// <summary><c>voucher-export serve</c>: the Voucherify-compatible export server (SPEC §6) on Kestrel.</summary>
internal static class ServeCommand
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var urls = new Option<string>("--urls") { Description = $"Where to listen (default {DefaultUrls}); ';' between several.", DefaultValueFactory = _ => DefaultUrls };
        var data = new Option<string?>("--data") { Description = "Folder exports are written under (default data/exports; setting Exports:DataFolder)." };
        var ledger = new Option<string?>("--ledger") { Description = "The ledger instead of the demo one: a .jsonl or .csv file (setting Ledger:Path) or PostgreSQL, postgres://user:pw@host/db or Host=… (setting Ledger:ConnectionString)." };
        var registry = new Option<string?>("--registry") { Description = "A PostgreSQL registry every instance shares, postgres://… or Host=… (setting Registry:ConnectionString; needs Downloads:Secret)." };
        var sink = new Option<string?>("--sink") { Description = "Store exports in S3: s3://bucket/prefix (setting Exports:Sink; endpoint and keys from S3:* or the AWS_* variables)." };
        var threads = new Option<int?>("--threads") { Description = "Threads one export may use (default all cores; setting Exports:Parallelism)." };
        var vouchers = new Option<string?>("--vouchers") { Description = "The ledger's vouchers as JSON Lines, to resolve codes (setting Ledger:Vouchers)." };
        var demoRows = new Option<long?>("--demo-rows") { Description = "Rows of the demo ledger generated at start (default 100000; setting Ledger:DemoRows)." };
        var maxRows = new Option<long?>("--max-chunk-rows") { Description = "Most records a chunk holds (default: no limit; setting Exports:MaxChunkRows)." };
        var command = new Command("serve", """
            Serves the export API: POST /v1/vouchers/{code}/transactions/export, GET /v1/exports/{id}, downloads, ...
            Settings come from appsettings.json in the working folder and the environment (Applications__<id>=<token>);
            the options below override them. Without configured applications it accepts demo-app / demo-token.
            Example: voucher-export serve --urls http://127.0.0.1:5080 --demo-rows 100000
            """)
        {
            urls, data, ledger, vouchers, demoRows, maxRows, registry, sink, threads,
        };

        command.SetAction(async (parse, ct) =>
        {
            var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["urls"] = parse.GetValue(urls) };
            Add(settings, "Exports:DataFolder", parse.GetValue(data));
            string? ledgerText = parse.GetValue(ledger);
            Add(settings, PostgreSql.PostgresConnectionUrl.IsPostgres(ledgerText) ? "Ledger:ConnectionString" : "Ledger:Path", ledgerText);
            Add(settings, "Registry:ConnectionString", parse.GetValue(registry));
            Add(settings, "Exports:Sink", parse.GetValue(sink));
            Add(settings, "Exports:Parallelism", parse.GetValue(threads)?.ToString(CultureInfo.InvariantCulture));
            Add(settings, "Ledger:Vouchers", parse.GetValue(vouchers));
            Add(settings, "Ledger:DemoRows", parse.GetValue(demoRows)?.ToString(CultureInfo.InvariantCulture));
            Add(settings, "Exports:MaxChunkRows", parse.GetValue(maxRows)?.ToString(CultureInfo.InvariantCulture));
            try
            {
                await VoucherExportServer.RunAsync([], new VoucherExportHostOptions { Settings = settings }, ct);
            }
            catch (ServerConfigurationException e)
            {
                throw new CliInputException(new VoucherifyError(400, "invalid_configuration", "Invalid configuration", e.Message));
            }
            catch (IOException e)
            {
                // Kestrel could not bind (address in use, no permission).
                throw new CliInputException("--urls", e.Message);
            }

            return ExitCodes.Done;
        });
        return command;
    }

    private static void Add(Dictionary<string, string?> settings, string key, string? value)
    {
        if (value is not null)
        {
            settings[key] = value;
        }
    }
}

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
        var ledger = new Option<string?>("--ledger") { Description = "A JSON Lines ledger to serve instead of the demo ledger (setting Ledger:Path)." };
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
            urls, data, ledger, vouchers, demoRows, maxRows,
        };

        command.SetAction(async (parse, ct) =>
        {
            var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["urls"] = parse.GetValue(urls) };
            Add(settings, "Exports:DataFolder", parse.GetValue(data));
            Add(settings, "Ledger:Path", parse.GetValue(ledger));
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

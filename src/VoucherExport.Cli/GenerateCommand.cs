using System.CommandLine;
using VoucherExport.Demo;
using VoucherExport.Transactions;

namespace VoucherExport.Cli;

/// <summary><c>voucher-export generate</c>: writes a deterministic demo ledger and its vouchers.</summary>
internal static class GenerateCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var rows = new Option<long>("--rows") { Description = "How many transactions to generate.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the generator; the same seed gives the same bytes.", DefaultValueFactory = _ => 1 };
        var output = new Option<FileInfo>("--out") { Description = "The JSON Lines ledger to write.", Required = true };
        var vouchers = new Option<FileInfo?>("--vouchers") { Description = "Also write the vouchers, one {\"id\",\"code\",\"campaign_id\",\"campaign\",\"type\"} a line." };
        var command = new Command("generate", """
            Writes a demo ledger: gift and loyalty cards, every transaction type, nasty text in reasons.
            Example: voucher-export generate --rows 1000000 --out ledger.jsonl --vouchers vouchers.jsonl
            """)
        {
            rows, seed, output, vouchers,
        };

        command.SetAction(async (parse, ct) =>
        {
            long n = parse.GetValue(rows);
            if (n < 0)
            {
                throw new CliInputException("--rows", "must be 0 or more");
            }

            var ledger = new DemoLedger(n, parse.GetValue(seed));
            FileInfo ledgerFile = parse.GetValue(output)!;
            await AtomicFile.WriteAsync(ledgerFile.FullName, s => ledger.WriteJsonLines(s), ct);
            if (parse.GetValue(vouchers) is { } voucherFile)
            {
                await AtomicFile.WriteAsync(voucherFile.FullName, s => VoucherJsonLines.Write(s, ledger.Vouchers), ct);
            }

            await stderr.WriteLineAsync($"wrote {n:N0} transactions of {ledger.Vouchers.Count:N0} vouchers to {ledgerFile.FullName}");
            return ExitCodes.Done;
        });
        return command;
    }
}

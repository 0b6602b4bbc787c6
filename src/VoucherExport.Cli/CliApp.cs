using System.CommandLine;
using VoucherExport.Parameters;
using VoucherExport.Registry;

namespace VoucherExport.Cli;

/// <summary>The <c>voucher-export</c> command line, callable in-process (the tests do).</summary>
public static class CliApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var root = new RootCommand("voucher-export: Voucherify-compatible voucher-transaction exports to chunked CSV.")
        {
            GenerateCommand.Create(stdout, stderr),
            ExportCommand.Create(stdout, stderr),
            ValidateCommand.Create(stdout, stderr),
            ServeCommand.Create(stdout, stderr),
            LoadCommand.Create(stdout, stderr),
        };

        // '@file.json' is our parameters syntax, not a response file.
        ParseResult parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            var details = string.Join("; ", parsed.Errors.Select(e => e.Message));
            WriteError(stderr, new VoucherifyError(400, "invalid_arguments", "Invalid arguments", details));
            await stderr.WriteLineAsync("Run 'voucher-export --help' for usage.");
            return ExitCodes.BadInput;
        }

        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        try
        {
            return await parsed.InvokeAsync(config, cancellationToken);
        }
        catch (CliInputException e)
        {
            WriteError(stderr, e.Error);
            return ExitCodes.BadInput;
        }
        catch (ExportValidationException e)
        {
            WriteError(stderr, e.Error);
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("cancelled");
            return ExitCodes.Cancelled;
        }
    }

    internal static void WriteError(TextWriter stderr, VoucherifyError error)
    {
        stderr.WriteLine(System.Text.Encoding.UTF8.GetString(ExportJson.ErrorToUtf8(error, indented: true)));
    }
}

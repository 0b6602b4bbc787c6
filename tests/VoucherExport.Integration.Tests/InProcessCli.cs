using VoucherExport.Cli;

namespace VoucherExport.Integration.Tests;

/// <summary><c>voucher-export</c> run in-process, capturing what it writes to stdout and stderr.</summary>
internal static class InProcessCli
{
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await CliApp.RunAsync(args, stdout, stderr, default);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}

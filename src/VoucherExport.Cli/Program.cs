using VoucherExport.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C cancels the export cleanly (its files are removed); a second one kills the process.
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};

return await CliApp.RunAsync(args, Console.Out, Console.Error, cancel.Token);

using System.Diagnostics;
using VoucherExport.Demo;
using VoucherExport.Server.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests.Console;

/// <summary>
/// The console in a real browser: Debian's headless Chromium, driven by playwright-core under <c>node --test</c>
/// (tests/browser/console.test.mjs), against this real Kestrel server.
/// </summary>
public class ConsoleBrowserTests
{
    private const string HostileApp = "<img/src=x/onerror=window.__pwned=1>";
    private const string HostileDetails = "</pre><script>window.__pwned=1</script>";

    [BrowserFact]
    public async Task TheConsoleWorksInChromium()
    {
        Assert.True(BrowserTools.Missing() is null, BrowserTools.Missing());
        var ledger = new DemoLedger(600);
        await using var server = await ServerHarness.StartAsync(
            new Dictionary<string, string?>
            {
                ["Console:Token"] = ConsoleTests.ConsoleToken,
                ["Console:RefreshInterval"] = "00:00:00.250",
                ["Exports:MaxChunkRows"] = "100",
                [$"Applications:{HostileApp}"] = "token-of-the-hostile-app-0003",
            },
            new PausingSource(ledger.AsSource()),
            new InMemoryVoucherDirectory(ledger.Vouchers));
        string hostileId = await ConsoleTests.PlantHostileExportAsync(server, HostileApp, HostileDetails);

        var start = new ProcessStartInfo(BrowserTools.Node()!)
        {
            WorkingDirectory = BrowserTools.Folder()!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "--test", "--test-reporter=spec", "console.test.mjs" },
            Environment =
            {
                ["VX_CONSOLE_URL"] = server.Address.AbsoluteUri.TrimEnd('/'),
                ["VX_CONSOLE_TOKEN"] = ConsoleTests.ConsoleToken,
                ["VX_APP_ID"] = ServerHarness.AppA,
                ["VX_APP_TOKEN"] = ServerHarness.TokenA,
                ["VX_HOSTILE_EXPORT"] = hostileId,
                ["VX_HOSTILE_APP"] = HostileApp,
                ["VX_HOSTILE_DETAILS"] = HostileDetails,
                ["VX_CHROMIUM"] = BrowserFactAttribute.Chromium,
            },
        };
        using Process node = Process.Start(start)!;
        Task<string> output = node.StandardOutput.ReadToEndAsync();
        Task<string> errors = node.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await node.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw;
        }

        string report = await output + await errors;
        Assert.True(node.ExitCode == 0, "node --test console.test.mjs failed:\n" + report);
        Assert.Matches(@"pass 4\s", report);
        Assert.Matches(@"fail 0\s", report);
    }
}

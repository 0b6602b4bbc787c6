using VoucherExport.Cli;
using VoucherExport.Tests.Support;

namespace VoucherExport.Tests.Cli;

/// <summary><c>--retry-attempts</c>: checked before anything is written, shown in the help.</summary>
public class RetryCliTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    public async Task AnAttemptCountOutOfRangeExitsTwoNamingItAndWritesNothing(string attempts)
    {
        using var temp = new TempFolder();
        string outDir = temp.File("out");
        var (code, stdout, stderr) = await CliRun.Run(
            ["export", "--source", "demo:10", "--retry-attempts", attempts, "--out", outDir, "--quiet"]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("", stdout);
        Assert.Contains($"--retry-attempts: must be between 1 and 100, not {attempts}", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "nothing may be written under --out");
    }

    [Fact]
    public async Task OneAttemptStillExports()
    {
        using var temp = new TempFolder();
        var (code, stdout, stderr) = await CliRun.Run(
            ["export", "--source", "demo:50", "--retry-attempts", "1", "--out", temp.File("out"), "--quiet"]);
        Assert.True(code == ExitCodes.Done, stderr);
        Assert.Contains("\"status\": \"DONE\"", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelpShowsTheOption()
    {
        var (code, stdout, _) = await CliRun.Run(["export", "--help"]);
        Assert.Equal(0, code);
        Assert.Contains("--retry-attempts", stdout, StringComparison.Ordinal);
    }
}

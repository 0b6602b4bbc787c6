using VoucherExport.Cli;
using VoucherExport.Tests.Support;

namespace VoucherExport.Tests.Cli;

/// <summary><c>--threads</c>: checked before anything is written, the same bytes whatever the count, shown in the help.</summary>
public class ThreadsCliTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("65")]
    public async Task AThreadCountOutOfRangeExitsTwoNamingItAndWritesNothing(string threads)
    {
        using var temp = new TempFolder();
        string outDir = temp.File("out");
        var (code, stdout, stderr) = await CliRun.Run(
            ["export", "--source", "demo:10", "--threads", threads, "--out", outDir, "--quiet"]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("", stdout);
        Assert.Contains($"--threads: must be between 1 and 64, not {threads}", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "nothing may be written under --out");
    }

    /// <summary>
    /// A generated JSON Lines ledger exported in its declared order: on one thread the rows path, on two the writer
    /// formats the lines itself (docs/architecture.md, "Sources beside the writer"); the chunks and the manifest's
    /// checksums must be the same.
    /// </summary>
    [Theory]
    [InlineData("created_at")]
    [InlineData("-created_at")]
    public async Task AJsonLinesLedgerInItsDeclaredOrderWritesTheSameChunksOnOneThreadAndOnTwo(string order)
    {
        using var temp = new TempFolder();
        string ledger = temp.File("ledger.jsonl");
        var (generated, _, generateErr) = await CliRun.Run(["generate", "--rows", "4000", "--seed", "9", "--out", ledger]);
        Assert.True(generated == ExitCodes.Done, generateErr);
        if (order.StartsWith('-'))
        {
            File.WriteAllLines(ledger, File.ReadAllLines(ledger).Reverse());
        }

        string one = temp.File("one"), two = temp.File("two");
        foreach (var (threads, outDir) in new[] { ("1", one), ("2", two) })
        {
            var (code, _, stderr) = await CliRun.Run(
                ["export", "--source", ledger, "--source-order", order, "--parameters", $$"""{"order":"{{order}}"}""", "--threads", threads,
                 "--max-chunk-bytes", "100000", "--formula-guard", "--out", outDir, "--quiet"]);
            Assert.True(code == ExitCodes.Done, stderr);
        }

        string[] chunks = [.. Directory.EnumerateFiles(one, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        string[] others = [.. Directory.EnumerateFiles(two, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        Assert.True(chunks.Count(c => Path.GetFileName(c).StartsWith("part-", StringComparison.Ordinal)) > 3, "the limit must make several chunks");
        Assert.Equal(chunks.Select(Path.GetFileName), others.Select(Path.GetFileName));
        for (int i = 0; i < chunks.Length; i++)
        {
            if (Path.GetFileName(chunks[i]).StartsWith("part-", StringComparison.Ordinal))
            {
                Assert.Equal(File.ReadAllBytes(chunks[i]), File.ReadAllBytes(others[i]));
            }
        }
    }

    [Fact]
    public async Task OneThreadAndFourThreadsWriteTheSameChunks()
    {
        using var temp = new TempFolder();
        string one = temp.File("one"), four = temp.File("four");
        foreach (var (threads, outDir) in new[] { ("1", one), ("4", four) })
        {
            var (code, _, stderr) = await CliRun.Run(
                ["export", "--source", "demo:3000", "--threads", threads, "--max-chunk-bytes", "100000", "--out", outDir, "--quiet"]);
            Assert.True(code == ExitCodes.Done, stderr);
        }

        string[] chunks = [.. Directory.EnumerateFiles(one, "part-*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        string[] others = [.. Directory.EnumerateFiles(four, "part-*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        Assert.True(chunks.Length > 1, "the limit must make several chunks");
        Assert.Equal(chunks.Select(Path.GetFileName), others.Select(Path.GetFileName));
        for (int i = 0; i < chunks.Length; i++)
        {
            Assert.Equal(File.ReadAllBytes(chunks[i]), File.ReadAllBytes(others[i]));
        }
    }

    [Fact]
    public async Task HelpShowsTheOption()
    {
        var (code, stdout, _) = await CliRun.Run(["export", "--help"]);
        Assert.Equal(0, code);
        Assert.Contains("--threads", stdout, StringComparison.Ordinal);
    }
}

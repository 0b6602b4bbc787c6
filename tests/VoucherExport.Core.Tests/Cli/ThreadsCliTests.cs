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

        await AssertSameChunksOnThreadsAsync(
            temp,
            ["export", "--source", ledger, "--source-order", order, "--parameters", $$"""{"order":"{{order}}"}""",
             "--max-chunk-bytes", "100000", "--formula-guard"],
            ["1", "2"],
            moreThan: 3);
    }

    [Fact]
    public async Task OneThreadAndFourThreadsWriteTheSameChunks()
    {
        using var temp = new TempFolder();
        await AssertSameChunksOnThreadsAsync(
            temp, ["export", "--source", "demo:3000", "--max-chunk-bytes", "100000"], ["1", "4"], moreThan: 1);
    }

    [Fact]
    public async Task HelpShowsTheOption()
    {
        var (code, stdout, _) = await CliRun.Run(["export", "--help"]);
        Assert.Equal(0, code);
        Assert.Contains("--threads", stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs <paramref name="export"/> once per thread count, each into a folder of its own; asserts that every run wrote
    /// the same files, more than <paramref name="moreThan"/> chunks of them, and the same bytes in each chunk.
    /// </summary>
    private static async Task AssertSameChunksOnThreadsAsync(TempFolder temp, string[] export, string[] threadCounts, int moreThan)
    {
        var runs = new List<string[]>();
        foreach (string threads in threadCounts)
        {
            string outDir = temp.File("threads-" + threads);
            var (code, _, stderr) = await CliRun.Run([.. export, "--threads", threads, "--out", outDir, "--quiet"]);
            Assert.True(code == ExitCodes.Done, stderr);
            runs.Add([.. Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)]);
        }

        string[] first = runs[0];
        Assert.True(first.Count(f => Path.GetFileName(f).StartsWith("part-", StringComparison.Ordinal)) > moreThan, "the limit must make several chunks");
        foreach (string[] other in runs.Skip(1))
        {
            Assert.Equal(first.Select(Path.GetFileName), other.Select(Path.GetFileName));
            for (int i = 0; i < first.Length; i++)
            {
                if (Path.GetFileName(first[i]).StartsWith("part-", StringComparison.Ordinal))
                {
                    Assert.Equal(File.ReadAllBytes(first[i]), File.ReadAllBytes(other[i]));
                }
            }
        }
    }
}

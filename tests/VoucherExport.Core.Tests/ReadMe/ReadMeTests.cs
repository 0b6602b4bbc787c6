using VoucherExport.Registry;
using VoucherExport.Tests.Support;

namespace VoucherExport.Tests.ReadMe;

public class ReadMeTests
{
    private static string RepoFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, name);
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "VoucherExport.Core.sln")))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(name);
    }

    private static string Normalize(IEnumerable<string> lines) =>
        string.Join("\n", lines.Select(l => l.Trim()).Where(l => l.Length > 0));

    [Fact]
    public void TheReadMeQuickStartIsTheCompiledOne()
    {
        var source = File.ReadAllLines(RepoFile("tests/VoucherExport.Core.Tests/ReadMe/QuickStart.cs"));
        int begin = Array.FindIndex(source, l => l.Contains("// README-BEGIN", StringComparison.Ordinal));
        int end = Array.FindIndex(source, l => l.Contains("// README-END", StringComparison.Ordinal));
        string compiled = Normalize(source[(begin + 1)..end]);

        var readme = File.ReadAllLines(RepoFile("README.md"));
        int start = Array.FindIndex(readme, l => l.StartsWith("```csharp", StringComparison.Ordinal));
        int stop = Array.FindIndex(readme, start + 1, l => l.StartsWith("```", StringComparison.Ordinal));
        var block = readme[(start + 1)..stop].Where(l => !l.TrimStart().StartsWith("using ", StringComparison.Ordinal) && !l.Contains("string folder", StringComparison.Ordinal));
        Assert.Equal(compiled, Normalize(block));
    }

    [Fact]
    public async Task TheQuickStartRuns()
    {
        using var temp = new TempFolder();
        var (done, result) = await QuickStart.RunAsync(temp.Path);
        Assert.Equal(ExportStatus.Done, done.Status);
        Assert.True(done.Result!.Rows > 0);
        Assert.Equal(10_000, result.Result.Rows);
        ExportFiles.VerifyFolder(Path.Combine(temp.Path, result.Export.Id)).Dispose();
    }
}

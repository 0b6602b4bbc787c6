using VoucherExport.Fuzz;

namespace VoucherExport.Tests.Fuzz;

/// <summary>Replays every saved fuzz input: each must end in a result or the documented validation error.</summary>
public class FuzzCorpusTests
{
    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        string root = Path.Combine(AppContext.BaseDirectory, "corpus");
        foreach (var target in FuzzTargets.All)
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(root, target.Name)).Order(StringComparer.Ordinal))
            {
                data.Add(target.Name, Path.GetFileName(file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void SavedInputReplays(string target, string file)
    {
        var input = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "corpus", target, file));
        FuzzTargets.Find(target)!.Run(input);
    }

    [Fact]
    public void EveryTargetHasACorpus()
    {
        foreach (var target in FuzzTargets.All)
        {
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "corpus", target.Name)));
        }
    }
}

using System.Text.Json;
using VoucherExport.Cli;
using VoucherExport.Tests.Support;

namespace VoucherExport.Tests.Cli;

/// <summary><c>export --skip-malformed</c>: bad ledger rows fail the export by default, and are skipped and counted with the flag.</summary>
public class SkipMalformedCliTests
{
    private const string Ledger = """
        {"id":"vtx_1","type":"T","created_at":"2024-01-01T00:00:00Z"}
        {"id":"vtx_2","type":"T","created_at":
        {"id":"vtx_3","type":"T","created_at":"2024-01-01T00:00:02Z"}
        {"id":"vtx_4","type":"T"}

        """;

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliRun.Run(args);

    [Fact]
    public async Task ByDefaultABadRowFailsTheExportNamingItsLine()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("ledger.jsonl"), Ledger);

        var (code, stdout, _) = await Run("export", "--source", temp.File("ledger.jsonl"), "--out", temp.File("out"), "--quiet");

        Assert.Equal(ExitCodes.ExportFailed, code);
        using var final = JsonDocument.Parse(stdout);
        Assert.Equal("ERROR", final.RootElement.GetProperty("status").GetString());
        Assert.Contains("line 2", final.RootElement.GetProperty("error").GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithTheFlagBadRowsAreSkippedAndCounted()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("ledger.jsonl"), Ledger);

        var (code, stdout, stderr) = await Run("export", "--source", temp.File("ledger.jsonl"), "--out", temp.File("out"), "--skip-malformed");

        Assert.True(code == ExitCodes.Done, stderr);
        using var final = JsonDocument.Parse(stdout);
        JsonElement result = final.RootElement.GetProperty("result");
        Assert.Equal(2, result.GetProperty("rows").GetInt64());
        Assert.Equal(2, result.GetProperty("skipped_rows").GetInt64());
        Assert.Contains("2 malformed ledger rows skipped", stderr, StringComparison.Ordinal);
        using var manifest = ExportFiles.VerifyFolder(Path.Combine(temp.File("out"), final.RootElement.GetProperty("id").GetString()!));
        Assert.Equal(2, manifest.RootElement.GetProperty("result").GetProperty("skipped_rows").GetInt64());
    }

    [Fact]
    public async Task TheFlagIsRefusedForLedgersWithTypedRows()
    {
        var (code, _, stderr) = await Run("export", "--source", "demo:10", "--skip-malformed");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--skip-malformed", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheHelpExplainsTheFlag()
    {
        var (_, stdout, _) = await Run("export", "--help");
        Assert.Contains("--skip-malformed", stdout, StringComparison.Ordinal);
        Assert.Contains("skipped_rows", stdout, StringComparison.Ordinal);
    }
}

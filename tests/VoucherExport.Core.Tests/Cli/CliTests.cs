using System.Text.Json;
using VoucherExport.Cli;
using VoucherExport.Demo;
using VoucherExport.Tests.Support;

namespace VoucherExport.Tests.Cli;

public class CliTests
{
    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliRun.Run(args);

    [Fact]
    public async Task GenerateThenExportAllFieldsInChunks()
    {
        using var temp = new TempFolder();
        var (gen, _, genErr) = await Run("generate", "--rows", "3000", "--seed", "5", "--out", temp.File("ledger.jsonl"), "--vouchers", temp.File("vouchers.jsonl"));
        Assert.True(gen == 0, genErr);

        string fields = """{"order":"created_at","fields":["id","type","source_id","reason","balance","amount","created_at","voucher_id","campaign_id","details","related_transaction_id","source"]}""";
        var (code, stdout, stderr) = await Run("export", "--source", temp.File("ledger.jsonl"), "--vouchers", temp.File("vouchers.jsonl"),
            "--parameters", fields, "--out", temp.File("out"), "--max-chunk-bytes", "65536", "--quiet");
        Assert.True(code == 0, stderr);

        using var final = JsonDocument.Parse(stdout);
        string id = final.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("DONE", final.RootElement.GetProperty("status").GetString());
        using var manifest = ExportFiles.VerifyFolder(Path.Combine(temp.File("out"), id));
        var chunks = manifest.RootElement.GetProperty("result").GetProperty("chunks").EnumerateArray().ToList();
        Assert.True(chunks.Count > 5);
        Assert.All(chunks, c => Assert.True(c.GetProperty("bytes").GetInt64() <= 65536 || c.GetProperty("oversize").GetBoolean()));
        Assert.Equal(3000, chunks.Sum(c => c.GetProperty("rows").GetInt64()));
        Assert.Equal(3000, final.RootElement.GetProperty("result").GetProperty("rows").GetInt64());
    }

    [Fact]
    public async Task ADemoSourceExportsOneVoucherByCode()
    {
        using var temp = new TempFolder();
        var vouchers = new DemoLedger(500).Vouchers;
        var (code, stdout, stderr) = await Run("export", "--source", "demo:500", "--voucher", vouchers[0].Code, "--out", temp.Path, "--quiet");
        Assert.True(code == 0, stderr);
        using var final = JsonDocument.Parse(stdout);
        var @in = final.RootElement.GetProperty("parameters").GetProperty("filters").GetProperty("voucher_id").GetProperty("conditions").GetProperty("$in");
        Assert.Equal(vouchers[0].Code, @in[0].GetString());
    }

    public static TheoryData<string[], string> BadInputs() => new()
    {
        { ["export", "--source", "demo:10", "--parameters", """{"order":"status"}"""], "parameters.order" },
        { ["export", "--source", "demo:10", "--parameters", """{"fields":[]}"""], "parameters.fields" },
        { ["export", "--source", "demo:10", "--parameters", """{"fields":["id","nope"]}"""], "parameters.fields[1]" },
        { ["export", "--source", "demo:10", "--parameters", """{"fields":["id","id"]}"""], "parameters.fields[1]" },
        { ["export", "--source", "demo:10", "--parameters", """{"filters":{"nope":{"conditions":{"$is":"x"}}}}"""], "parameters.filters.nope" },
        { ["export", "--source", "demo:10", "--parameters", """{"filters":{"amount":{"conditions":{"$contains":"1"}}}}"""], "parameters.filters.amount.conditions.$contains" },
        { ["export", "--source", "demo:10", "--parameters", """{"filters":{"created_at":{"conditions":{"$after":["yesterday"]}}}}"""], "parameters.filters.created_at.conditions.$after[0]" },
        { ["export", "--source", "demo:10", "--parameters", """{"filters":{"junction":"xor"}}"""], "parameters.filters.junction" },
        { ["export", "--source", "demo:10", "--parameters", "{not json"], "parameters" },
        { ["export", "--source", "demo:10", "--parameters", "@/no/such/file.json"], "--parameters" },
        { ["export", "--source", "/no/such/ledger.jsonl"], "--source" },
        { ["export", "--source", "demo:x"], "--source" },
        { ["export", "--source", "demo:10", "--voucher", "NOPE"], "NOPE" },
        { ["export", "--source", "demo:10", "--campaign", "camp_nope"], "camp_nope" },
        { ["export", "--source", "demo:10", "--max-chunk-bytes", "0"], "--max-chunk-bytes" },
        { ["export", "--source", "demo:10", "--max-chunk-rows", "0"], "--max-chunk-rows" },
        { ["export", "--source", "demo:10", "--delimiter", "x"], "--delimiter" },
        { ["export", "--source", "demo:10", "--header", "fancy"], "--header" },
        { ["export", "--source", "demo:10", "--newline", "cr"], "--newline" },
        { ["export", "--source", "demo:10", "--max-chunk-bytes", "lots"], "lots" },
        { ["export", "--source", "demo:10", "--voucher", "a", "--campaign", "b"], "scope" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadInputExitsTwoWithAClearErrorAndWritesNothing(string[] args, string named)
    {
        using var temp = new TempFolder();
        string outDir = temp.File("out");
        var (code, stdout, stderr) = await Run([.. args, "--out", outDir, "--quiet"]);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("", stdout);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
        Assert.Contains("\"key\"", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "nothing may be written under --out");
    }

    [Fact]
    public async Task ABadLedgerLineEndsInErrorExitOneAndLeavesNoFiles()
    {
        using var temp = new TempFolder();
        await Run("generate", "--rows", "50", "--out", temp.File("ledger.jsonl"));
        File.AppendAllText(temp.File("ledger.jsonl"), "{\"id\":\"vtx_bad\",\"type\":\"X\",\"created_at\":42}\n");
        var (code, stdout, _) = await Run("export", "--source", temp.File("ledger.jsonl"), "--out", temp.File("out"), "--quiet");

        Assert.Equal(ExitCodes.ExportFailed, code);
        using var final = JsonDocument.Parse(stdout);
        Assert.Equal("ERROR", final.RootElement.GetProperty("status").GetString());
        Assert.Contains("line 51", final.RootElement.GetProperty("error").GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.File("out")) && Directory.EnumerateFiles(temp.File("out"), "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task JsonModePrintsOneJsonLineAndOnlyJsonProgress()
    {
        using var temp = new TempFolder();
        var (code, stdout, stderr) = await Run("export", "--source", "demo:20000", "--out", temp.Path, "--json");
        Assert.Equal(0, code);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        using var final = JsonDocument.Parse(lines[0]);
        Assert.Equal("DONE", final.RootElement.GetProperty("status").GetString());
        foreach (string line in stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var progress = JsonDocument.Parse(line);
            Assert.True(progress.RootElement.GetProperty("rows").GetInt64() >= 0);
        }
    }

    [Fact]
    public async Task ValidateExplainsAndEchoes()
    {
        var (ok, stdout, _) = await Run("validate", "--parameters", """{"filters":{"junction":"OR","type":{"conditions":{"$in":"CREDITS_REFUND"}}}}""");
        Assert.Equal(0, ok);
        Assert.Contains("\"junction\": \"or\"", stdout, StringComparison.Ordinal);
        var (bad, _, stderr) = await Run("validate", "--parameters", """{"fields":["nope"]}""");
        Assert.Equal(2, bad);
        Assert.Contains("invalid_export_fields", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelpWorksOnEveryCommand()
    {
        foreach (var command in new[] { "generate", "export", "validate" })
        {
            var (code, stdout, _) = await Run(command, "--help");
            Assert.Equal(0, code);
            Assert.Contains("Example:", stdout, StringComparison.Ordinal);
        }
    }
}

using System.Text.Json;
using VoucherExport.Cli;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Tests.Chunks;
using VoucherExport.Tests.Support;

namespace VoucherExport.Tests.Cli;

public class CompressCliTests
{
    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliRun.Run(args);

    [Fact]
    public async Task CompressGzipStoresGzipChunksThatDecompressToTheUncompressedExport()
    {
        using var temp = new TempFolder();
        string[] common = ["export", "--source", "demo:4000", "--max-chunk-bytes", "32768", "--quiet"];
        var (plainCode, plainOut, plainErr) = await Run([.. common, "--out", temp.File("plain")]);
        Assert.True(plainCode == 0, plainErr);
        var (code, stdout, stderr) = await Run([.. common, "--out", temp.File("gz"), "--compress", "gzip"]);
        Assert.True(code == 0, stderr);

        using var final = JsonDocument.Parse(stdout);
        string id = final.RootElement.GetProperty("id").GetString()!;
        string folder = Path.Combine(temp.File("gz"), id);
        using var manifest = ExportFiles.VerifyFolder(folder);
        var chunks = manifest.RootElement.GetProperty("result").GetProperty("chunks").EnumerateArray().ToList();
        Assert.True(chunks.Count > 1, "the limit cuts the export into several gzip chunks");
        Assert.All(chunks, c =>
        {
            Assert.EndsWith(".csv.gz", c.GetProperty("name").GetString(), StringComparison.Ordinal);
            Assert.True(c.GetProperty("bytes").GetInt64() <= 32768);
            Assert.Equal(
                GzipChunkChecks.Gunzip(File.ReadAllBytes(Path.Combine(folder, c.GetProperty("name").GetString()!))).LongLength,
                c.GetProperty("uncompressed_bytes").GetInt64());
        });

        // The same rows: the decompressed chunks, headers dropped, are the uncompressed export's CSV.
        using var plain = JsonDocument.Parse(plainOut);
        string plainFolder = Path.Combine(temp.File("plain"), plain.RootElement.GetProperty("id").GetString()!);
        int header = new CsvRecordWriter(CsvFormat.Default, ExportParameters.Default.Fields).Preamble.Length;
        byte[] expected = ExportFiles.Concatenate(
            [.. Directory.GetFiles(plainFolder, "part-*.csv").Order(StringComparer.Ordinal).Select(File.ReadAllBytes)], header);
        byte[] actual = ExportFiles.Concatenate(
            [.. chunks.Select(c => GzipChunkChecks.Gunzip(File.ReadAllBytes(Path.Combine(folder, c.GetProperty("name").GetString()!))))], header);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("zip", "6", "--compress")]
    [InlineData("gzip", "0", "--compress-level")]
    [InlineData("gzip", "10", "--compress-level")]
    public async Task ABadCompressOptionExitsTwoNamingItAndWritesNothing(string compress, string level, string named)
    {
        using var temp = new TempFolder();
        string outDir = temp.File("out");
        var (code, stdout, stderr) = await Run(
            "export", "--source", "demo:10", "--compress", compress, "--compress-level", level, "--out", outDir, "--quiet");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("", stdout);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "nothing may be written under --out");
    }

    [Fact]
    public async Task HelpShowsTheCompressOptionWithAnExample()
    {
        var (code, stdout, _) = await Run("export", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--compress", stdout, StringComparison.Ordinal);
        Assert.Contains("--compress gzip", stdout, StringComparison.Ordinal);
    }
}

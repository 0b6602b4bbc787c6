using System.Text.Json;
using VoucherExport.Cli;

namespace VoucherExport.Integration.Tests.S3;

/// <summary><c>voucher-export export --sink s3://bucket/prefix</c>, run in-process.</summary>
public sealed class S3CliTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private static Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args) => InProcessCli.RunAsync(args);

    [S3Fact]
    public async Task AnExportGoesToTheBucketAndPrefixWithPresignedUrls()
    {
        var (exit, stdout, stderr) = await RunAsync(
            "export", "--source", "demo:3000", "--max-chunk-rows", "1000", "--quiet",
            "--sink", $"s3://{bucket.Name}/cli/runs/",
            "--s3-endpoint", S3TestSettings.Endpoint!,
            "--s3-access-key", S3TestSettings.AccessKey!,
            "--s3-secret-key", S3TestSettings.SecretKey!,
            "--s3-create-bucket",
            "--s3-url-expiry", "5");

        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        string id = json.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("DONE", json.RootElement.GetProperty("status").GetString());
        var chunks = json.RootElement.GetProperty("result").GetProperty("chunks").EnumerateArray().ToList();
        Assert.Equal(3, chunks.Count);
        Assert.All(chunks, c => Assert.Contains("X-Amz-Expires=300&", c.GetProperty("url").GetString(), StringComparison.Ordinal));
        Assert.Equal(
            ["manifest.json", "part-00001.csv", "part-00002.csv", "part-00003.csv"],
            (await bucket.KeysAsync($"cli/runs/{id}/")).Select(k => k[$"cli/runs/{id}/".Length..]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("--sink", "s3://Bad_Bucket/x", "--sink")]
    [InlineData("--sink", "gs://bucket/x", "--sink")]
    [InlineData("--sink", "s3://bucket//x", "--sink")]
    [InlineData("--sink", "s3://bucket/x --out", "--sink")]
    [InlineData("--s3-endpoint", "not a url", "--s3-endpoint")]
    [InlineData("--s3-url-expiry", "0", "--s3-url-expiry")]
    public async Task BadS3InputIsRefusedNamingTheOption(string option, string value, string named)
    {
        string[] args = ["export", "--source", "demo:10", "--sink", "s3://bucket/x", "--s3-access-key", "a", "--s3-secret-key", "b"];
        int at = Array.IndexOf(args, option);
        args = at >= 0 ? [.. args[..(at + 1)], value, .. args[(at + 2)..]] : [.. args, option, value];

        var (exit, _, stderr) = await RunAsync(args);
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains($"\"details\": \"{named}:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSinkIsAFolderOrABucketNeverBothOrNeither()
    {
        var both = await RunAsync("export", "--source", "demo:10", "--out", Path.GetTempPath(), "--sink", "s3://bucket/x");
        var neither = await RunAsync("export", "--source", "demo:10");
        var s3OptionWithFolder = await RunAsync("export", "--source", "demo:10", "--out", Path.GetTempPath(), "--s3-create-bucket");

        Assert.Equal(ExitCodes.BadInput, both.Exit);
        Assert.Equal(ExitCodes.BadInput, neither.Exit);
        Assert.Contains("--out/--sink", neither.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.BadInput, s3OptionWithFolder.Exit);
        Assert.Contains("--s3-create-bucket: applies only with --sink", s3OptionWithFolder.Stderr, StringComparison.Ordinal);
    }
}

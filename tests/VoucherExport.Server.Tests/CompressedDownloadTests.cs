using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using VoucherExport.Chunks;
using VoucherExport.Server.Tests.Support;

namespace VoucherExport.Server.Tests;

/// <summary>
/// A server configured with <c>Exports:Compression=gzip</c>: each chunk downloads as the stored gzip file, and the whole
/// export downloads as the same CSV an uncompressed export gives.
/// </summary>
public class CompressedDownloadTests : IAsyncLifetime
{
    private const string Create = """{"exported_object":"voucher_transactions","parameters":{"order":"created_at","fields":["id","type","amount","balance","created_at","voucher_id","details"]}}""";
    private ServerHarness _gzip = null!;
    private ServerHarness _plain = null!;
    private JsonElement _done;
    private JsonElement _plainDone;

    public async Task InitializeAsync()
    {
        _gzip = await ServerHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Exports:Compression"] = "gzip",
            ["Exports:MaxChunkBytes"] = "4096",
        });
        _plain = await ServerHarness.StartAsync(new Dictionary<string, string?> { ["Exports:MaxChunkBytes"] = "20000" });
        _done = await _gzip.WaitFinalAsync(await _gzip.CreateAsync("/v1/exports", Create));
        _plainDone = await _plain.WaitFinalAsync(await _plain.CreateAsync("/v1/exports", Create));
    }

    public async Task DisposeAsync()
    {
        await _gzip.DisposeAsync();
        await _plain.DisposeAsync();
    }

    private JsonElement Chunks => _done.GetProperty("result").GetProperty("chunks");

    [Fact]
    public async Task EachChunkIsServedAsTheStoredGzipWithItsShaAsETag()
    {
        Assert.True(Chunks.GetArrayLength() > 2, "the limit cuts the export into several chunks");
        foreach (JsonElement chunk in Chunks.EnumerateArray())
        {
            using HttpResponseMessage response = await _gzip.Client.GetAsync(chunk.GetProperty("url").GetString());
            byte[] bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/gzip", response.Content.Headers.ContentType!.MediaType);
            Assert.Null(response.Content.Headers.ContentEncoding.FirstOrDefault());
            Assert.EndsWith(".csv.gz", response.Content.Headers.ContentDisposition!.FileName, StringComparison.Ordinal);
            Assert.Equal($"\"{chunk.GetProperty("sha256").GetString()}\"", response.Headers.ETag!.Tag);
            Assert.Equal(chunk.GetProperty("bytes").GetInt64(), bytes.Length);
            Assert.True(bytes.Length <= 4096);
            Assert.Equal(chunk.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
            Assert.Equal(chunk.GetProperty("uncompressed_bytes").GetInt64(), Gunzip(bytes).Length);
        }
    }

    [Fact]
    public async Task AChunkRangeIsARangeOfTheStoredBytes()
    {
        string url = Chunks[0].GetProperty("url").GetString()!;
        byte[] whole = await _gzip.DownloadAsync(url);
        byte[] part = await _gzip.DownloadAsync(url, new RangeHeaderValue(5, 300));
        Assert.Equal(whole[5..301], part);
    }

    [Fact]
    public async Task TheWholeExportIsTheSameCsvAsAnUncompressedExport()
    {
        using HttpResponseMessage response = await _gzip.Client.GetAsync(_done.GetProperty("result").GetProperty("url").GetString());
        byte[] whole = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("text/csv; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(whole.Length, response.Content.Headers.ContentLength);

        byte[] plain = await _plain.DownloadAsync(_plainDone.GetProperty("result").GetProperty("url").GetString()!);
        Assert.Equal(plain, whole);
        Assert.Equal(
            Chunks.EnumerateArray().Sum(c => c.GetProperty("uncompressed_bytes").GetInt64()),
            whole.Length + ((Chunks.GetArrayLength() - 1) * (Array.IndexOf(whole, (byte)'\n') + 1)));
    }

    [Fact]
    public async Task RangesOfTheWholeExportCrossGzipChunks()
    {
        string url = _done.GetProperty("result").GetProperty("url").GetString()!;
        byte[] whole = await _gzip.DownloadAsync(url);
        foreach (var (from, to) in new[] { (0L, 99L), (3000L, 12000L), (whole.Length - 50L, whole.Length - 1L) })
        {
            Assert.Equal(whole[(int)from..(int)(to + 1)], await _gzip.DownloadAsync(url, new RangeHeaderValue(from, to)));
        }
    }

    [Theory]
    [InlineData("Exports:Compression", "zip", "Exports:Compression: must be none or gzip, not 'zip'")]
    [InlineData("Exports:CompressionLevel", "0", "Exports:CompressionLevel: must be between 1 and 9, not 0")]
    public void ABadCompressionSettingIsRefusedNamingTheKey(string key, string value, string message)
    {
        var e = Assert.Throws<ServerConfigurationException>(() => ServerOptions.FromConfiguration(
            new ConfigurationBuilder().AddInMemoryCollection([new KeyValuePair<string, string?>(key, value)]).Build(), "/srv/voucher-export"));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CompressionIsReadFromConfiguration()
    {
        ServerOptions options = ServerOptions.FromConfiguration(
            new ConfigurationBuilder().AddInMemoryCollection(
            [
                new KeyValuePair<string, string?>("Exports:Compression", "GZIP"),
                new KeyValuePair<string, string?>("Exports:CompressionLevel", "9"),
            ]).Build(),
            "/srv/voucher-export");
        Assert.Equal(ChunkCompression.Gzip, options.Chunks.Compression);
        Assert.Equal(9, options.Chunks.CompressionLevel);
        Assert.Equal(ChunkCompression.None, ServerOptions.FromConfiguration(new ConfigurationBuilder().Build(), "/srv").Chunks.Compression);
    }

    private static byte[] Gunzip(byte[] stored)
    {
        using var gzip = new GZipStream(new MemoryStream(stored), CompressionMode.Decompress);
        var plain = new MemoryStream();
        gzip.CopyTo(plain);
        return plain.ToArray();
    }
}

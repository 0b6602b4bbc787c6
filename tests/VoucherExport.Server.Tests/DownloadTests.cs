using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using VoucherExport.Demo;
using VoucherExport.Server.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests;

public class DownloadTests : IAsyncLifetime
{
    private const int Rows = 600;
    private static readonly string[] Fields = ["id", "type", "amount", "balance", "created_at", "voucher_id", "details", "reason"];
    private ServerHarness _server = null!;
    private JsonElement _done;
    private string _id = "";

    // 25 rows a chunk: the 600-row export is 24 chunks, so every chunk boundary is crossed by the whole-file stream.
    public async Task InitializeAsync()
    {
        _server = await ServerHarness.StartAsync(new Dictionary<string, string?> { ["Exports:MaxChunkRows"] = "25" });
        string fields = string.Join(',', Fields.Select(f => $"\"{f}\""));
        _id = await _server.CreateAsync("/v1/exports", $$$"""{"exported_object":"voucher_transactions","parameters":{"order":"created_at","fields":[{{{fields}}}]}}""");
        _done = await _server.WaitFinalAsync(_id);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private JsonElement Result => _done.GetProperty("result");

    private string ChunkUrl(int index) => Result.GetProperty("chunks")[index].GetProperty("url").GetString()!;

    [Fact]
    public async Task TheWholeExportIsOneCsvWithOneHeaderAndExactlyTheExpectedRows()
    {
        using HttpResponseMessage response = await _server.Client.GetAsync(Result.GetProperty("url").GetString());
        byte[] csv = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal($"{_id}.csv", response.Content.Headers.ContentDisposition.FileName);
        Assert.Equal(csv.Length, response.Content.Headers.ContentLength);
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        var (header, rows) = Expected.ParseCsv(csv);
        Assert.Equal(["ID", "Type", "Amount", "Balance", "Creation Date", "Voucher ID", "Details", "Reason"], header);
        Assert.Equal(Expected.Rows(new DemoLedger(Rows).Transactions(), _ => true, Fields, newestFirst: false), rows);
        Assert.Equal(24, Result.GetProperty("chunks").GetArrayLength());
    }

    [Fact]
    public async Task TheWholeExportIsTheChunksWithRepeatedHeadersDropped()
    {
        byte[] whole = await _server.DownloadAsync(Result.GetProperty("url").GetString()!);
        var expected = new List<byte>();
        int chunks = Result.GetProperty("chunks").GetArrayLength();
        int headerLength = 0;
        for (int i = 0; i < chunks; i++)
        {
            byte[] chunk = await _server.DownloadAsync(ChunkUrl(i));
            headerLength = Array.IndexOf(chunk, (byte)'\n') + 1;
            expected.AddRange(i == 0 ? chunk : chunk[headerLength..]);
        }

        Assert.Equal(expected.ToArray(), whole);

        // The alias route serves the same bytes.
        string alias = Result.GetProperty("url").GetString()!.Replace("?token=", "/download?token=", StringComparison.Ordinal);
        Assert.Equal(whole, await _server.DownloadAsync(alias));
    }

    [Fact]
    public async Task EachChunkComesAloneWithItsShaAsETagAndMatchesTheManifest()
    {
        JsonElement chunks = Result.GetProperty("chunks");
        for (int i = 0; i < chunks.GetArrayLength(); i++)
        {
            JsonElement info = chunks[i];
            using HttpResponseMessage response = await _server.Client.GetAsync(ChunkUrl(i));
            byte[] bytes = await response.Content.ReadAsByteArrayAsync();
            string sha = info.GetProperty("sha256").GetString()!;

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"\"{sha}\"", response.Headers.ETag!.Tag);
            Assert.False(response.Headers.ETag.IsWeak);
            Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(bytes)));
            Assert.Equal(info.GetProperty("bytes").GetInt64(), bytes.Length);
            Assert.Equal("text/csv; charset=utf-8", response.Content.Headers.ContentType!.ToString());
            Assert.Equal($"{_id}-part-{i + 1:D5}.csv", response.Content.Headers.ContentDisposition!.FileName);
            Assert.Equal(File.ReadAllBytes(Path.Combine(_server.DataFolder, _id, $"part-{i + 1:D5}.csv")), bytes);
            Assert.Equal(25, Expected.ParseCsv(bytes).Rows.Count);
        }
    }

    [Fact]
    public async Task ARangeOfAChunkIsA206WithExactlyThoseBytes()
    {
        byte[] full = await _server.DownloadAsync(ChunkUrl(2));
        using var request = new HttpRequestMessage(HttpMethod.Get, ChunkUrl(2));
        request.Headers.Range = new RangeHeaderValue(10, 209);
        using HttpResponseMessage response = await _server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(full[10..210], await response.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes 10-209/{full.Length}", response.Content.Headers.ContentRange!.ToString());

        // The last 7 bytes (a suffix range).
        using var suffix = new HttpRequestMessage(HttpMethod.Get, ChunkUrl(2));
        suffix.Headers.Range = new RangeHeaderValue(null, 7);
        using HttpResponseMessage tail = await _server.Client.SendAsync(suffix);
        Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
        Assert.Equal(full[^7..], await tail.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ARangeBeyondTheEndIs416AndAMatchingETagIs304()
    {
        byte[] full = await _server.DownloadAsync(ChunkUrl(0));
        using var beyond = new HttpRequestMessage(HttpMethod.Get, ChunkUrl(0));
        beyond.Headers.Range = new RangeHeaderValue(full.Length + 10, null);
        using HttpResponseMessage unsatisfiable = await _server.Client.SendAsync(beyond);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
        Assert.Equal($"bytes */{full.Length}", unsatisfiable.Content.Headers.ContentRange!.ToString());

        string sha = Result.GetProperty("chunks")[0].GetProperty("sha256").GetString()!;
        using var conditional = new HttpRequestMessage(HttpMethod.Get, ChunkUrl(0));
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{sha}\""));
        using HttpResponseMessage notModified = await _server.Client.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ARangeOfTheWholeExportCrossesChunkBoundaries()
    {
        byte[] whole = await _server.DownloadAsync(Result.GetProperty("url").GetString()!);
        long first = Result.GetProperty("chunks")[0].GetProperty("bytes").GetInt64();

        // From 5 bytes before the end of chunk 1 to well inside chunk 4, headers of 2..4 dropped in between.
        var range = new RangeHeaderValue(first - 5, first * 3);
        byte[] part = await _server.DownloadAsync(Result.GetProperty("url").GetString()!, range);
        Assert.Equal(whole[(int)(first - 5)..(int)(first * 3 + 1)], part);
    }

    [Fact]
    public async Task HeadGivesTheHeadersWithoutTheBody()
    {
        using var head = new HttpRequestMessage(HttpMethod.Head, ChunkUrl(1));
        using HttpResponseMessage response = await _server.Client.SendAsync(head);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Result.GetProperty("chunks")[1].GetProperty("bytes").GetInt64(), response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AChunkNumberOutsideTheExportIs404()
    {
        string url = ChunkUrl(0);
        foreach (string n in new[] { "0", "25", "x", "-1", "part-00001.csv" })
        {
            using HttpResponseMessage response = await _server.Client.GetAsync(url.Replace("/chunks/1?", $"/chunks/{n}?", StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            JsonElement error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("not_found", error.GetProperty("key").GetString());
        }
    }

    [Fact]
    public async Task TheListShowsFreshDownloadUrlsToo()
    {
        var (response, list) = await _server.GetAsync("/v1/exports");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement listed = list.GetProperty("exports")[0];
        string url = listed.GetProperty("result").GetProperty("url").GetString()!;
        Assert.Equal(await _server.DownloadAsync(Result.GetProperty("url").GetString()!), await _server.DownloadAsync(url));
        Assert.DoesNotContain("file:", list.ToString(), StringComparison.Ordinal);
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using VoucherExport.Server.Tests.Support;

namespace VoucherExport.Server.Tests;

/// <summary>
/// Requests written to hurt: oversized and deeply nested bodies, huge lists, path traversal, header injection, token replay,
/// malformed headers and wrong media types. Each ends in a clean 4xx in Voucherify's error shape (or, where Kestrel itself
/// refuses the request before any application code runs, a bare 4xx that closes the connection) and the server keeps serving.
/// </summary>
public partial class HostileInputTests : IAsyncLifetime
{
    private const string Generic = """{"exported_object":"voucher_transactions"}""";

    private ServerHarness _server = null!;
    private string _id = "";
    private string _token = "";

    public async Task InitializeAsync()
    {
        // The default limits: what a deployment gets.
        _server = await ServerHarness.StartAsync();
        _id = await _server.CreateAsync("/v1/exports", Generic);
        string url = (await _server.WaitFinalAsync(_id)).GetProperty("result").GetProperty("url").GetString()!;
        _token = Uri.UnescapeDataString(url[(url.IndexOf("token=", StringComparison.Ordinal) + 6)..]);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task AnOversizedBodyIs413()
    {
        byte[] body = Encoding.UTF8.GetBytes("{\"exported_object\":\"voucher_transactions\",\"pad\":\"" + new string('x', 64 * 1024) + "\"}");
        using var request = ServerHarness.Request(HttpMethod.Post, "/v1/exports");
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new("application/json");

        var (response, error) = await _server.SendAsync(request);

        AssertError(response, error, 413, "payload_too_large", $"body: is {body.Length} bytes; the server accepts at most 65536 bytes (server limit Limits:MaxBodyBytes)");
        await AssertNothingScheduledAsync();
    }

    [Fact]
    public async Task ADeclaredTenMegabyteBodyIs413BeforeAByteOfItIsRead()
    {
        RawResponse raw = await RawAsync(
            $"POST /v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\n{Credentials}Content-Type: application/json\r\nContent-Length: {10 * 1024 * 1024}\r\nConnection: close\r\n\r\n");

        JsonElement error = AssertErrorShape(raw, 413, "payload_too_large");
        Assert.Contains("is 10485760 bytes", error.GetProperty("details").GetString(), StringComparison.Ordinal);
        await AssertNothingScheduledAsync();
    }

    [Fact]
    public async Task AChunkedBodyIsCutAtTheLimitWith413()
    {
        // No length up front: the server counts as it reads and stops past the limit.
        var chunked = new StringBuilder();
        chunked.Append("{\"pad\":\"");
        string head = chunked.ToString();
        var request = new StringBuilder($"POST /v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\n{Credentials}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        request.Append(System.Globalization.CultureInfo.InvariantCulture, $"{head.Length:x}\r\n{head}\r\n");
        string piece = new('y', 8192);
        for (int i = 0; i < 24; i++)
        {
            request.Append(System.Globalization.CultureInfo.InvariantCulture, $"{piece.Length:x}\r\n{piece}\r\n");
        }

        request.Append("2\r\n\"}\r\n0\r\n\r\n");
        RawResponse raw = await RawAsync(request.ToString());

        JsonElement error = AssertErrorShape(raw, 413, "payload_too_large");
        Assert.Contains("more than 65536 bytes", error.GetProperty("details").GetString(), StringComparison.Ordinal);
        await AssertNothingScheduledAsync();
    }

    [Theory]
    [InlineData(33)]
    [InlineData(1_000)]
    [InlineData(20_000)]
    public async Task DeepNestingIs400SayingHowDeep(int depth)
    {
        string nested = new string('[', depth) + new string(']', depth);
        var (response, error) = await _server.PostAsync("/v1/exports", $"{{\"exported_object\":\"voucher_transactions\",\"parameters\":{{\"filters\":{nested}}}}}");

        AssertError(response, error, 400, "invalid_payload", "body: nests objects and arrays deeper than 32 levels");
    }

    [Theory]
    [InlineData("""{"exported_object":"voucher_transactions","parameters":{"filters":{"voucher_id":{"conditions":{"$in":["\uDC00"]}}}}}""", "body.parameters.filters.voucher_id.conditions.$in[0]")]
    [InlineData("""{"exported_object":"voucher_transactions","parameters":{"fields":["id","\uD800x"]}}""", "body.parameters.fields[1]")]
    [InlineData("""{"exported_object":"\uDFFF"}""", "body.exported_object")]
    [InlineData("""{"\uDC00":1}""", "body (a key)")]
    public async Task AnEscapedUnpairedSurrogateIs400NotA500(string body, string where)
    {
        // Found by fuzzing the sources with the escape: valid JSON syntax, but no text, and reading it threw.
        var (response, error) = await _server.PostAsync("/v1/exports", body);

        AssertError(response, error, 400, "invalid_payload", $"{where}: is not text");
        await AssertNothingScheduledAsync();
    }

    [Fact]
    public async Task AnEscapedUnpairedSurrogateInAScopedCreateIs400()
    {
        var (response, error) = await _server.PostAsync("/v1/campaigns/x/transactions/export", """{"parameters":{"order":"\uDC00"}}""");

        AssertError(response, error, 400, "invalid_payload", "body.parameters.order: is not text");
    }

    [Fact]
    public async Task NestingWithinTheLimitIsNotMistakenForTooDeep()
    {
        // 31 levels of arrays inside an object: parsed, then refused by the parameters validator for its shape, not its depth.
        string nested = new string('[', 30) + new string(']', 30);
        var (response, error) = await _server.PostAsync("/v1/exports", $"{{\"exported_object\":\"voucher_transactions\",\"parameters\":{nested}}}");

        AssertError(response, error, 400, "invalid_payload", "parameters");
        Assert.DoesNotContain("deeper", error.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInListOverTheDocumentedLimitIs400NamingTheLimit()
    {
        string values = string.Join(',', Enumerable.Range(0, RequestLimits.DefaultMaxInValues + 1).Select(i => $"\"v{i}\""));
        var (response, error) = await _server.PostAsync("/v1/exports",
            "{\"exported_object\":\"voucher_transactions\",\"parameters\":{\"filters\":{\"voucher_id\":{\"conditions\":{\"$in\":[" + values + "]}}}}}");

        AssertError(response, error, 400, "invalid_payload",
            $"parameters.filters.voucher_id.conditions.$in: has 1001 values; a list may hold at most 1000 (server limit Limits:MaxInValues)");
        await AssertNothingScheduledAsync();
    }

    [Fact]
    public async Task AnInListOfTheLimitIsAccepted()
    {
        string values = string.Join(',', Enumerable.Range(0, RequestLimits.DefaultMaxInValues).Select(i => $"\"v{i}\""));
        var (response, json) = await _server.PostAsync("/v1/exports",
            "{\"exported_object\":\"voucher_transactions\",\"parameters\":{\"filters\":{\"voucher_id\":{\"conditions\":{\"$not_in\":[" + values + "]}}}}}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("SCHEDULED", json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task AHugeInListIsStoppedByTheBodyLimitBeforeItIsParsed()
    {
        string values = string.Join(',', Enumerable.Range(0, 100_000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var (response, error) = await _server.PostAsync("/v1/exports",
            "{\"exported_object\":\"voucher_transactions\",\"parameters\":{\"filters\":{\"amount\":{\"conditions\":{\"$in\":[" + values + "]}}}}}");

        AssertError(response, error, 413, "payload_too_large", "Limits:MaxBodyBytes");
    }

    /// <summary>Paths sent byte for byte (HttpClient would normalise dot segments), each with the status it must get.</summary>
    public static TheoryData<string> TraversalIds =>
    [
        "..",
        "%2e%2e",
        "%2e%2e%2f%2e%2e%2fmanifest.json",
        "..%2f..%2fetc%2fpasswd",
        "%2E%2E%5C%2E%2E%5Cwindows",
        "%00",
        "exp_AAAAAAAAAAAAAAAAAAAAAAA%00",
        "exp_AAAAAAAAAAAAAAAAAAAAAAAA%00.csv",
        "exp_%2e%2e%2fAAAAAAAAAAAAAAAAAAA",
        "manifest.json",
    ];

    [Theory]
    [MemberData(nameof(TraversalIds))]
    public async Task PathTraversalInAnExportIdIsA404ForEveryRoute(string id)
    {
        string[] paths =
        [
            $"GET /v1/exports/{id}",
            $"DELETE /v1/exports/{id}",
            $"GET /v1/exports/{id}?token={Uri.EscapeDataString(_token)}",
            $"GET /v1/exports/{id}/download?token={Uri.EscapeDataString(_token)}",
            $"GET /v1/exports/{id}/chunks/1?token={Uri.EscapeDataString(_token)}",
        ];
        foreach (string line in paths)
        {
            RawResponse raw = await RawAsync($"{line} HTTP/1.1\r\nHost: 127.0.0.1\r\n{Credentials}Connection: close\r\n\r\n");

            // 404 from the handlers (a malformed id is never looked up), or 400 from Kestrel for a path it cannot decode.
            Assert.True(raw.Status is 404 or 400, $"{line}: {raw.Status} {raw.Body}");
            Assert.False(raw.Headers.ContainsKey("content-disposition"), line);
            if (raw.Status == 404)
            {
                // An id the handlers see is an unknown export; one Kestrel resolves away (RFC 3986 dot segments) is an unknown route.
                JsonElement error = AssertErrorShape(raw, 404, "not_found");
                Assert.True(!error.TryGetProperty("resource_type", out var type) || type.GetString() == "export", line);
            }
        }

        Assert.True(Directory.Exists(Path.Combine(_server.DataFolder, _id)), "the real export is still there");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("2")]
    [InlineData("99999999999")]
    [InlineData("2147483648")]
    [InlineData("1a")]
    [InlineData("1.0")]
    [InlineData("%2B1")]
    [InlineData("%201")]
    [InlineData("..%2fmanifest.json")]
    [InlineData("manifest.json")]
    [InlineData("part-00001.csv")]
    [InlineData("%EF%BC%91")]
    public async Task AChunkNumberThatIsNotOneOfTheChunksIsA404OfResourceTypeChunk(string number)
    {
        RawResponse raw = await RawAsync(
            $"GET /v1/exports/{_id}/chunks/{number}?token={Uri.EscapeDataString(_token)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        JsonElement error = AssertErrorShape(raw, 404, "not_found");
        Assert.Equal("chunk", error.GetProperty("resource_type").GetString());
        Assert.Contains("it has chunks 1 to 1", error.GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.False(raw.Headers.ContainsKey("content-disposition"));
    }

    [Fact]
    public async Task DotSegmentsAndNulInAChunkNameNeverReachTheFileSystem()
    {
        // Kestrel removes dot segments before routing (RFC 3986): chunks/.. is the export itself, which the token already opens.
        RawResponse up = await RawAsync(
            $"GET /v1/exports/{_id}/chunks/%2e%2e?token={Uri.EscapeDataString(_token)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        Assert.Equal(200, up.Status);
        Assert.Equal($"attachment; filename={_id}.csv; filename*=UTF-8''{_id}.csv", Assert.Single(up.Headers["content-disposition"]));

        // chunks/../../x leaves the export's routes and matches none.
        RawResponse out_ = await RawAsync(
            $"GET /v1/exports/{_id}/chunks/%2e%2e/%2e%2e/%2e%2e/manifest.json?token={Uri.EscapeDataString(_token)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        AssertErrorShape(out_, 404, "not_found");

        // A NUL is refused by Kestrel before routing.
        RawResponse nul = await RawAsync(
            $"GET /v1/exports/{_id}/chunks/1%00?token={Uri.EscapeDataString(_token)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        Assert.Equal(400, nul.Status);
        Assert.False(nul.Headers.ContainsKey("content-disposition"));
    }

    [Fact]
    public async Task ChunkOneStillDownloadsSoTheRefusalsAboveAreNotBlanket()
    {
        RawResponse raw = await RawAsync(
            $"GET /v1/exports/{_id}/chunks/1?token={Uri.EscapeDataString(_token)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        Assert.Equal(200, raw.Status);
        Assert.StartsWith("ID,Type,", raw.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exp_AAAAAAAAAAAAAAAAAAAAAAAA%0D%0ASet-Cookie:%20stolen=1")]
    [InlineData("exp_AAAA%0d%0aContent-Disposition:%20inline;%20filename=evil.html")]
    [InlineData("exp_AAAAAAAAAAAAAAAAAAAAAAA%22")]
    [InlineData("a%22%3B%20filename%3D%22evil.html")]
    [InlineData("%0A%0AHTTP/1.1%20200%20OK")]
    public async Task CrLfOrQuotesInAnIdNeverReachAResponseHeader(string id)
    {
        foreach (string path in new[] { $"/v1/exports/{id}/download", $"/v1/exports/{id}/chunks/1", $"/v1/exports/{id}" })
        {
            RawResponse raw = await RawAsync(
                $"GET {path}?token={Uri.EscapeDataString(_token)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

            Assert.True(raw.Status is 404 or 400, $"{path}: {raw.Status}");
            Assert.False(raw.Headers.ContainsKey("set-cookie"), path);
            Assert.False(raw.Headers.ContainsKey("content-disposition"), path);
            AssertHeadersAreClean(raw);
        }
    }

    [Theory]
    [InlineData("CODE%0D%0AX-Injected:%20yes")]
    [InlineData("CODE%22%3B%20filename%3D%22x.html")]
    [InlineData("%0D%0A%0D%0A%3Chtml%3E")]
    public async Task CrLfInAVoucherCodeIsA404WhoseBodyEscapesItAndWhoseHeadersDoNotCarryIt(string code)
    {
        RawResponse raw = await RawAsync(
            $"POST /v1/vouchers/{code}/transactions/export HTTP/1.1\r\nHost: 127.0.0.1\r\n{Credentials}Content-Length: 0\r\nConnection: close\r\n\r\n");

        JsonElement error = AssertErrorShape(raw, 404, "not_found");
        Assert.False(raw.Headers.ContainsKey("x-injected"));
        AssertHeadersAreClean(raw);
        Assert.Contains(Uri.UnescapeDataString(code), error.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContentDispositionHoldsOnlyTheServersOwnSafeNames()
    {
        foreach (string path in new[] { $"/v1/exports/{_id}/download", $"/v1/exports/{_id}/chunks/1", $"/v1/exports/{_id}" })
        {
            RawResponse raw = await RawAsync(
                $"GET {path}?token={Uri.EscapeDataString(_token)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

            Assert.Equal(200, raw.Status);
            string disposition = Assert.Single(raw.Headers["content-disposition"]);
            Assert.Matches(SafeDisposition(), disposition);
            Assert.Contains(_id, disposition, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ADownloadTokenOfAppAIsRefusedOnAppBsExport()
    {
        string exportOfB = await _server.CreateAsync("/v1/exports", Generic, ServerHarness.AppB);
        await _server.WaitFinalAsync(exportOfB, ServerHarness.AppB);

        foreach (string path in new[] { $"/v1/exports/{exportOfB}", $"/v1/exports/{exportOfB}/download", $"/v1/exports/{exportOfB}/chunks/1" })
        {
            using HttpResponseMessage response = await _server.Client.GetAsync($"{path}?token={Uri.EscapeDataString(_token)}");
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            AssertError(response, error, 401, "unauthorized", "not valid for this export");
        }
    }

    [Fact]
    public async Task ADownloadTokenIsRefusedOnAnotherExportOfTheSameApp()
    {
        string other = await _server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions","parameters":{"order":"created_at"}}""");
        await _server.WaitFinalAsync(other);

        using HttpResponseMessage response = await _server.Client.GetAsync($"/v1/exports/{other}/chunks/1?token={Uri.EscapeDataString(_token)}");
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        AssertError(response, error, 401, "unauthorized", "not valid for this export");
    }

    [Fact]
    public async Task AppBCannotReplayAppAsTokenThroughItsOwnCredentialsOrTheApi()
    {
        // A download token is no API credential, and B's API credentials do not open A's export either.
        using (var asAppToken = ServerHarness.Request(HttpMethod.Get, $"/v1/exports/{_id}", appId: ServerHarness.AppB))
        {
            asAppToken.Headers.Remove("X-App-Token");
            asAppToken.Headers.Add("X-App-Token", _token);
            var (response, error) = await _server.SendAsync(asAppToken);
            AssertError(response, error, 401, "unauthorized", "do not match");
        }

        var (notFound, notFoundError) = await _server.GetAsync($"/v1/exports/{_id}", ServerHarness.AppB);
        AssertError(notFound, notFoundError, 404, "not_found", _id);
        var (cannotDelete, deleteError) = await _server.SendAsync(ServerHarness.Request(HttpMethod.Delete, $"/v1/exports/{_id}", appId: ServerHarness.AppB));
        AssertError(cannotDelete, deleteError, 404, "not_found", _id);
    }

    [Fact]
    public async Task AValidTokenOfADeletedExportIs404()
    {
        string doomed = await _server.CreateAsync("/v1/exports", Generic);
        string url = (await _server.WaitFinalAsync(doomed)).GetProperty("result").GetProperty("url").GetString()!;
        var (deleted, _) = await _server.SendAsync(ServerHarness.Request(HttpMethod.Delete, $"/v1/exports/{doomed}"));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using HttpResponseMessage response = await _server.Client.GetAsync(url);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        AssertError(response, error, 404, "not_found", doomed);
    }

    [Fact]
    public async Task ADuplicatedCredentialHeaderIs401SayingSo()
    {
        foreach (string header in new[] { "X-App-Id", "X-App-Token", "Authorization" })
        {
            string value = header == "Authorization" ? $"Bearer {ServerHarness.TokenA}" : header == "X-App-Id" ? ServerHarness.AppA : ServerHarness.TokenA;
            string twice = header == "Authorization" ? $"{header}: {value}\r\n{header}: {value}\r\n" : $"{header}: {value}\r\n";
            RawResponse raw = await RawAsync(
                $"GET /v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\n{Credentials}{twice}Connection: close\r\n\r\n");

            JsonElement error = AssertErrorShape(raw, 401, "unauthorized");
            Assert.Contains($"the {header} header is sent more than once", error.GetProperty("details").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ADuplicatedIdempotencyKeyOrTokenParameterIsRefused()
    {
        RawResponse key = await RawAsync(
            $"POST /v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\n{Credentials}Idempotency-Key: a\r\nIdempotency-Key: b\r\nContent-Type: application/json\r\nContent-Length: {Generic.Length}\r\nConnection: close\r\n\r\n{Generic}");
        Assert.Equal(400, key.Status);
        AssertErrorShape(key, 400, "invalid_payload");

        RawResponse token = await RawAsync(
            $"GET /v1/exports/{_id}/download?token={Uri.EscapeDataString(_token)}&token={Uri.EscapeDataString(_token)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        AssertErrorShape(token, 401, "unauthorized");
        await AssertNothingScheduledAsync();
    }

    /// <summary>Requests Kestrel refuses before any application code runs: a bare 4xx, the connection closed, the server still up.</summary>
    public static TheoryData<string, int> KestrelRefusals => new()
    {
        { "GET /v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + new string('p', 40 * 1024) + "\r\n\r\n", 431 },
        { "GET /v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\n" + string.Concat(Enumerable.Range(0, 200).Select(i => $"X-H{i}: v\r\n")) + "\r\n", 431 },
        { "GET /v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\nX-App-Id: app-a\rX-Injected: 1\r\n\r\n", 400 },
        { "GET /v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\nX-App-Id: app\u0000-a\r\n\r\n", 400 },
        { "POST /v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}{}{}{", 400 },
        { "POST /v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n", 400 },
        { "POST /v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400 },
        { "GET /v1/exports/" + new string('a', 20_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414 },
        { "GET /v1/exports HTTP/1.1\r\nX-App-Id: app-a\r\n\r\n", 400 },
        { "GET\u0000/v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400 },
    };

    [Theory]
    [MemberData(nameof(KestrelRefusals))]
    public async Task MalformedOrHugeHeadersAreRefusedAndTheServerCarriesOn(string request, int status)
    {
        RawResponse raw = await RawAsync(request);

        Assert.Equal(status, raw.Status);
        Assert.False(raw.Headers.ContainsKey("x-injected"));
        var (health, json) = await _server.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", json.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded", "is not JSON")]
    [InlineData("multipart/form-data; boundary=x", "is not JSON")]
    [InlineData("application/xml", "is not JSON")]
    [InlineData("text/csv", "is not JSON")]
    [InlineData("application/json; charset=utf-16", "charset other than UTF-8")]
    [InlineData("application/json; charset=latin1", "charset other than UTF-8")]
    [InlineData("not a media type", "is not a media type")]
    public async Task ABodyOfAnotherMediaTypeIs415(string contentType, string detailsContain)
    {
        RawResponse raw = await RawAsync(
            $"POST /v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\n{Credentials}Content-Type: {contentType}\r\nContent-Length: {Generic.Length}\r\nConnection: close\r\n\r\n{Generic}");

        JsonElement error = AssertErrorShape(raw, 415, "unsupported_media_type");
        Assert.Contains(detailsContain, error.GetProperty("details").GetString(), StringComparison.Ordinal);
        await AssertNothingScheduledAsync();
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/vnd.voucherify+json")]
    [InlineData("text/plain; charset=utf-8")]
    [InlineData(null)]
    public async Task JsonUnderAnAcceptedMediaTypeIsScheduled(string? contentType)
    {
        string header = contentType is null ? "" : $"Content-Type: {contentType}\r\n";
        RawResponse raw = await RawAsync(
            $"POST /v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\n{Credentials}{header}Content-Length: {Generic.Length}\r\nConnection: close\r\n\r\n{Generic}");

        Assert.Equal(200, raw.Status);
        Assert.Equal("SCHEDULED", JsonDocument.Parse(raw.Body).RootElement.GetProperty("status").GetString());
    }

    private static string Credentials => $"X-App-Id: {ServerHarness.AppA}\r\nX-App-Token: {ServerHarness.TokenA}\r\n";

    private static void AssertError(HttpResponseMessage response, JsonElement error, int status, string key, string detailsContain)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(status, error.GetProperty("code").GetInt32());
        Assert.Equal(key, error.GetProperty("key").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Contains(detailsContain, error.GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.Equal(response.Headers.GetValues("X-Request-Id").Single(), error.GetProperty("request_id").GetString());
    }

    private static JsonElement AssertErrorShape(RawResponse raw, int status, string key)
    {
        Assert.Equal(status, raw.Status);
        Assert.StartsWith("application/json", Assert.Single(raw.Headers["content-type"]), StringComparison.Ordinal);
        JsonElement error = JsonDocument.Parse(raw.Body).RootElement.Clone();
        Assert.Equal(status, error.GetProperty("code").GetInt32());
        Assert.Equal(key, error.GetProperty("key").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("details").GetString()));
        Assert.Equal(Assert.Single(raw.Headers["x-request-id"]), error.GetProperty("request_id").GetString());
        return error;
    }

    /// <summary>Every header is one the server means to send: a known name, a value with no control characters.</summary>
    private static void AssertHeadersAreClean(RawResponse raw)
    {
        string[] known = ["content-type", "content-length", "date", "x-request-id", "www-authenticate", "connection", "transfer-encoding", "cache-control"];
        foreach (var (name, values) in raw.Headers)
        {
            Assert.Contains(name, known);
            Assert.All(values, v => Assert.DoesNotMatch("[\\x00-\\x1f\\x7f]", v));
        }
    }

    /// <summary>Only the export made in <see cref="InitializeAsync"/> exists: the refused request scheduled nothing.</summary>
    private async Task AssertNothingScheduledAsync()
    {
        var (_, list) = await _server.GetAsync("/v1/exports?limit=100");
        Assert.Equal(1, list.GetProperty("total").GetInt32());
    }

    /// <summary>Sends <paramref name="request"/> as raw bytes and reads the answer until the server closes the connection.</summary>
    private async Task<RawResponse> RawAsync(string request)
    {
        // A bound on a broken test, never an assertion on time: a correct server closes at once (Connection: close or an error).
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _server.Address.Port, guard.Token);
        await using NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), guard.Token);
        using var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, guard.Token);
        }
        catch (IOException)
        {
            // Kestrel may reset a connection it refused after sending its answer; what arrived is the answer.
        }

        return RawResponse.Parse(received.ToArray());
    }

    [GeneratedRegex("^attachment; filename=exp_[A-Za-z0-9]{24}(-part-[0-9]{5})?\\.csv; filename\\*=UTF-8''exp_[A-Za-z0-9]{24}(-part-[0-9]{5})?\\.csv$")]
    private static partial Regex SafeDisposition();

    private sealed record RawResponse(int Status, Dictionary<string, List<string>> Headers, string Body)
    {
        public static RawResponse Parse(byte[] bytes)
        {
            int end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
            Assert.True(end > 0, $"no HTTP answer: '{Encoding.Latin1.GetString(bytes)}'");
            string[] lines = Encoding.Latin1.GetString(bytes, 0, end).Split("\r\n");
            int status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            var headers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (string line in lines.Skip(1))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                string name = line[..colon].ToLowerInvariant();
                if (!headers.TryGetValue(name, out var values))
                {
                    headers[name] = values = [];
                }

                values.Add(line[(colon + 1)..].Trim());
            }

            byte[] body = bytes[(end + 4)..];
            if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked"))
            {
                body = Dechunk(body);
            }

            return new RawResponse(status, headers, Encoding.UTF8.GetString(body));
        }

        private static byte[] Dechunk(byte[] data)
        {
            var output = new MemoryStream();
            int at = 0;
            while (true)
            {
                int lineEnd = data.AsSpan(at).IndexOf("\r\n"u8);
                int size = Convert.ToInt32(Encoding.ASCII.GetString(data, at, lineEnd).Split(';')[0], 16);
                at += lineEnd + 2;
                if (size == 0)
                {
                    return output.ToArray();
                }

                output.Write(data, at, size);
                at += size + 2;
            }
        }
    }
}

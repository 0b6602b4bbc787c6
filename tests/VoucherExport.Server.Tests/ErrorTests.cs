using System.Net;
using System.Text;
using System.Text.Json;
using VoucherExport.Demo;
using VoucherExport.Server.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests;

/// <summary>Every error answer of SPEC §6 and of the request limits, each checked for status, key and where it points.</summary>
public class ErrorTests : IAsyncLifetime
{
    private static readonly DemoLedger Ledger = new(600);
    private ServerHarness _server = null!;

    public async Task InitializeAsync() => _server = await ServerHarness.StartAsync(new Dictionary<string, string?>
    {
        ["Limits:MaxBodyBytes"] = "2000",
        ["Limits:MaxFilterConditions"] = "4",
        ["Limits:MaxInValues"] = "10",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static string Gift => Ledger.Vouchers.First(v => v.Type == "GIFT_VOUCHER").Code;

    private static string Card => Ledger.Vouchers.First(v => v.Type == "LOYALTY_CARD").Code;

    public static TheoryData<string, string?, int, string, string> BadCreates => new()
    {
        // path, body, status, key, details contain
        { "/v1/vouchers/NO-SUCH-CODE/transactions/export", null, 404, "not_found", "voucher" },
        { "/v1/campaigns/camp_nope/transactions/export", null, 404, "not_found", "campaign" },
        { "/v1/loyalties/members/NO-SUCH-CARD/transactions/export", null, 404, "not_found", "loyalty_card" },
        { "/v1/loyalties/camp_nope/members/CARD/transactions/export", null, 404, "not_found", "loyalty_card" },
        { "/v1/vouchers/GIFT/transactions/export", "{", 400, "invalid_payload", "body" },
        { "/v1/vouchers/GIFT/transactions/export", "[]", 400, "invalid_payload", "body" },
        { "/v1/vouchers/GIFT/transactions/export", """{"parameters":{},"extra":1}""", 400, "invalid_payload", "extra" },
        { "/v1/vouchers/GIFT/transactions/export", """{"parameters":{"order":"amount"}}""", 400, "invalid_payload", "parameters.order" },
        { "/v1/vouchers/GIFT/transactions/export", """{"parameters":{"fields":["id","state"]}}""", 400, "invalid_export_fields", "parameters.fields[1]" },
        { "/v1/vouchers/GIFT/transactions/export", """{"parameters":{"fields":["id","id"]}}""", 400, "invalid_export_fields", "twice" },
        { "/v1/vouchers/GIFT/transactions/export", """{"parameters":{"fields":[]}}""", 400, "invalid_export_fields", "Allowed fields" },
        { "/v1/vouchers/GIFT/transactions/export", """{"parameters":{"filters":{"created_at":{"conditions":{"$after":["2023"]}}}}}""", 400, "invalid_payload", "parameters.filters" },
        { "/v1/vouchers/GIFT/transactions/export", """{"parameters":{"order":"created_at","order":"-created_at"}}""", 400, "invalid_payload", "order" },
        { "/v1/exports", null, 400, "invalid_payload", "exported_object" },
        { "/v1/exports", """{"exported_object":"vouchers"}""", 400, "invalid_payload", "exported_object" },
        { "/v1/exports", """{"exported_object":"voucher_transactions","parameters":{"filters":{"created_at":{"conditions":{"$after":[5]}}}}}""", 400, "invalid_payload", "parameters.filters.created_at.conditions.$after[0]" },
        { "/v1/exports", """{"exported_object":"voucher_transactions","parameters":{"filters":{"colour":{"conditions":{"$is":"red"}}}}}""", 400, "invalid_payload", "parameters.filters.colour" },
        { "/v1/exports", """{"exported_object":"voucher_transactions","parameters":{"filters":{"amount":{"conditions":{"$starts_with":"1"}}}}}""", 400, "invalid_payload", "parameters.filters.amount.conditions.$starts_with" },
        { "/v1/campaigns/CAMP/transactions/export", """{"parameters":{"fields":["id","campaign_id"]}}""", 400, "invalid_export_fields", "campaign_id" },

        // The request limits: 10 values in a list, 4 conditions, 2000 bytes (413, the body is not read).
        { "/v1/exports", """{"exported_object":"voucher_transactions","parameters":{"filters":{"voucher_id":{"conditions":{"$in":["1","2","3","4","5","6","7","8","9","10","11"]}}}}}""", 400, "invalid_payload", "parameters.filters.voucher_id.conditions.$in: has 11 values; a list may hold at most 10 (server limit Limits:MaxInValues)" },
        { "/v1/exports", """{"exported_object":"voucher_transactions","parameters":{"filters":{"amount":{"conditions":{"$more_than":1,"$less_than":9,"$is_not":5}},"created_at":{"conditions":{"$after":"2023-01-01T00:00:00Z","$before":"2024-01-01T00:00:00Z"}}}}}""", 400, "invalid_payload", "parameters.filters: has 5 conditions; at most 4 are allowed (server limit Limits:MaxFilterConditions)" },
        { "/v1/exports", "{\"exported_object\":\"voucher_transactions\",\"pad\":\"" + new string('x', 2000) + "\"}", 413, "payload_too_large", "body: is 2051 bytes; the server accepts at most 2000 bytes (server limit Limits:MaxBodyBytes)" },
    };

    [Theory]
    [MemberData(nameof(BadCreates))]
    public async Task ABadCreateIsAnErrorNamingWhatAndWhereAndSchedulesNothing(string path, string? body, int status, string key, string detailsContain)
    {
        string campaign = Ledger.Vouchers[0].CampaignId!;
        path = path.Replace("GIFT", Gift, StringComparison.Ordinal).Replace("CARD", Card, StringComparison.Ordinal).Replace("CAMP", campaign, StringComparison.Ordinal);
        var (response, error) = await _server.PostAsync(path, body);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(status, error.GetProperty("code").GetInt32());
        Assert.Equal(key, error.GetProperty("key").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Contains(detailsContain, error.GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.Equal(response.Headers.GetValues("X-Request-Id").Single(), error.GetProperty("request_id").GetString());
        var (_, list) = await _server.GetAsync("/v1/exports");
        Assert.Equal(0, list.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ABodyWithoutContentLengthIsCutAtTheLimitToo()
    {
        // Chunked transfer: the server cannot see the size up front and must stop reading at the limit.
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('y', 5000) + "\"}")));
        content.Headers.ContentLength = null;
        using var request = ServerHarness.Request(HttpMethod.Post, "/v1/exports");
        request.Content = content;
        request.Headers.TransferEncodingChunked = true;
        var (response, error) = await _server.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("payload_too_large", error.GetProperty("key").GetString());
        Assert.Contains("more than 2000 bytes", error.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AScopedExportTakesNoFiltersOfItsOwn()
    {
        var (response, error) = await _server.PostAsync($"/v1/vouchers/{Gift}/transactions/export",
            """{"parameters":{"filters":{"amount":{"conditions":{"$more_than":0}}}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("parameters.filters", error.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("page=0", "page")]
    [InlineData("page=-1", "page")]
    [InlineData("order=amount", "order")]
    [InlineData("limit=1&limit=2", "limit")]
    public async Task ABadListQueryIsA400NamingTheParameter(string query, string parameter)
    {
        var (response, error) = await _server.GetAsync($"/v1/exports?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_payload", error.GetProperty("key").GetString());
        Assert.StartsWith($"{parameter}: ", error.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exp_AAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("exp_short")]
    [InlineData("..%2F..%2Fetc")]
    [InlineData("exp_AAAAAAAAAAAAAAAAAAAAAAA%2E")]
    public async Task AnUnknownOrMalformedExportIdIsA404OfResourceTypeExport(string id)
    {
        foreach (HttpMethod method in new[] { HttpMethod.Get, HttpMethod.Delete })
        {
            var (response, error) = await _server.SendAsync(ServerHarness.Request(method, $"/v1/exports/{id}"));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(404, error.GetProperty("code").GetInt32());
            Assert.Equal("not_found", error.GetProperty("key").GetString());
            Assert.Equal("export", error.GetProperty("resource_type").GetString());
        }
    }

    [Fact]
    public async Task UnknownRoutesAndMethodsAnswerInJsonToo()
    {
        var (notFound, error) = await _server.GetAsync("/v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("not_found", error.GetProperty("key").GetString());

        var (wrongMethod, methodError) = await _server.SendAsync(ServerHarness.Request(HttpMethod.Put, "/v1/exports"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal("method_not_allowed", methodError.GetProperty("key").GetString());
    }

    [Fact]
    public async Task AnIdempotencyKeyThatIsNotPrintableAsciiIsA400()
    {
        using var request = ServerHarness.Request(HttpMethod.Post, "/v1/exports", """{"exported_object":"voucher_transactions"}""");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 256));
        var (response, error) = await _server.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("Idempotency-Key: ", error.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExportThatFailsIsErrorWithItsCauseNotA500()
    {
        await using var server = await ServerHarness.StartAsync(source: new FailingSource());
        string id = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""");
        JsonElement failed = await server.WaitFinalAsync(id);
        Assert.Equal("ERROR", failed.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("result").ValueKind);
        Assert.Equal("invalid_ledger", failed.GetProperty("error").GetProperty("key").GetString());
        Assert.False(Directory.Exists(Path.Combine(server.DataFolder, id, "part-00001.csv")));
    }

    private sealed class FailingSource : ITransactionSource
    {
        public SourcePushdown Plan(TransactionQuery query) => SourcePushdown.None;

        public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
            TransactionQuery query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            yield return new[] { Ledger.Transactions().First() };
            await Task.Yield();
            throw new LedgerFormatException("ledger.jsonl", 2, "injected bad row");
        }
    }
}

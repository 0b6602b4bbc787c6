using System.Text;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Tests.Faults;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

/// <summary>
/// Every class of malformed ledger row, in both sources, under both policies: Fail names the line (and the column or
/// field); Skip leaves exactly that row out and counts it. Nothing crashes and nothing is lost without a count.
/// </summary>
public class MalformedRowTests
{
    private const string Good1 = """{"id":"vtx_1","type":"T","created_at":"2024-01-01T00:00:00Z","amount":-5}""";
    private const string Good3 = """{"id":"vtx_3","type":"T","created_at":"2024-01-01T00:00:02Z","balance":7}""";
    private const string CsvHeader = "id,type,created_at,amount,details";

    /// <summary>JSON Lines: the bad line (line 2, between two good ones), and what the error must say.</summary>
    public static TheoryData<string, byte[], string> JsonLinesCases => new()
    {
        { "bad JSON", Utf8("""{"id":"vtx_2","type":"""), "" },
        { "not an object", Utf8("[1,2,3]"), "" },
        { "wrong type", Utf8("""{"id":"vtx_2","type":"T","created_at":"2024-01-01T00:00:01Z","details":{"balance":{"amount":"ten"}}}"""), "details.balance.amount" },
        { "wrong type for id", Utf8("""{"id":2,"type":"T","created_at":"2024-01-01T00:00:01Z"}"""), "id" },
        { "wrong type for created_at", Utf8("""{"id":"vtx_2","type":"T","created_at":12}"""), "created_at" },
        { "missing required field", Utf8("""{"id":"vtx_2","type":"T"}"""), "created_at" },
        { "invalid UTF-8", [.. Utf8("""{"id":"vtx_2","type":"T","created_at":"2024-01-01T00:00:01Z","reason":"a"""), 0xC3, 0x28, .. Utf8("\"}")], "UTF-8" },
        { "lone surrogate escape", Utf8("""{"id":"vtx_2","type":"T","created_at":"2024-01-01T00:00:01Z","reason":"\uD800"}"""), "reason" },
        { "lone surrogate escape in created_at", Utf8("""{"id":"vtx_2","type":"T","created_at":"2024-0\uDC00x"}"""), "created_at" },
        { "lone surrogate escape in a key", Utf8("""{"id":"vtx_2","type":"T","created_at":"2024-01-01T00:00:01Z","\uDC00":1}"""), "property name" },
    };

    /// <summary>CSV: the bad record (line 3, between two good ones), and what the error must say.</summary>
    public static TheoryData<string, byte[], string> CsvCases => new()
    {
        { "wrong type", Utf8("vtx_2,T,2024-01-01T00:00:01Z,ten,"), "column 'amount'" },
        { "bad date", Utf8("vtx_2,T,yesterday,1,"), "column 'created_at'" },
        { "missing required field", Utf8(",T,2024-01-01T00:00:01Z,1,"), "column 'id'" },
        { "bad details JSON", Utf8("vtx_2,T,2024-01-01T00:00:01Z,1,\"{\"\"a\"\":\""), "column 'details'" },
        { "too many fields", Utf8("vtx_2,T,2024-01-01T00:00:01Z,1,,extra"), "fields" },
        { "invalid UTF-8", [.. Utf8("vtx_"), 0xFF, .. Utf8("2,T,2024-01-01T00:00:01Z,1,")], "invalid UTF-8" },
        { "truncated UTF-8 sequence", [.. Utf8("vtx_2,T,2024-01-01T00:00:01Z,1,"), 0xE2, 0x82], "invalid UTF-8" },
    };

    [Theory]
    [MemberData(nameof(JsonLinesCases))]
    public async Task JsonLinesFailNamesTheLine(string what, byte[] bad, string mentions)
    {
        var source = JsonLines(JsonLinesFile(bad), MalformedRowPolicy.Fail);

        var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => ReadAsync(source, new SkippedRowCounter()));

        Assert.Equal(2, ex.Line);
        Assert.StartsWith("test.jsonl: line 2: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(mentions, ex.Problem, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(ex.Problem), what);
    }

    [Theory]
    [MemberData(nameof(JsonLinesCases))]
    public async Task JsonLinesSkipLeavesOutThatLineAndCountsIt(string what, byte[] bad, string mentions)
    {
        var skipped = new SkippedRowCounter();

        List<VoucherTransaction> rows = await ReadAsync(JsonLines(JsonLinesFile(bad), MalformedRowPolicy.Skip), skipped);

        Assert.Equal(["vtx_1", "vtx_3"], rows.Select(r => r.Id));
        Assert.Equal(1, skipped.Count);
        Assert.Equal(2, skipped.First!.Line);
        Assert.Contains(mentions, skipped.First.Problem, StringComparison.Ordinal);
        Assert.NotNull(what);
    }

    [Theory]
    [MemberData(nameof(CsvCases))]
    public async Task CsvFailNamesTheLineAndColumn(string what, byte[] bad, string mentions)
    {
        var ex = await Assert.ThrowsAsync<LedgerFormatException>(
            () => ReadAsync(Csv(CsvFile(bad), MalformedRowPolicy.Fail), new SkippedRowCounter()));

        Assert.Equal(3, ex.Line);
        Assert.StartsWith("test.csv: line 3: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(mentions, ex.Problem, StringComparison.Ordinal);
        Assert.NotNull(what);
    }

    [Theory]
    [MemberData(nameof(CsvCases))]
    public async Task CsvSkipLeavesOutThatRecordAndCountsIt(string what, byte[] bad, string mentions)
    {
        var skipped = new SkippedRowCounter();

        List<VoucherTransaction> rows = await ReadAsync(Csv(CsvFile(bad), MalformedRowPolicy.Skip), skipped);

        Assert.Equal(["vtx_1", "vtx_3"], rows.Select(r => r.Id));
        Assert.Equal(1, skipped.Count);
        Assert.Equal(3, skipped.First!.Line);
        Assert.Contains(mentions, skipped.First.Problem, StringComparison.Ordinal);
        Assert.NotNull(what);
    }

    [Fact]
    public async Task CsvInvalidUtf8IsPinnedToItsLineEvenWhenTheReaderDecodesAhead()
    {
        // 2,000 good records, then one bad byte: the decoder has read far past record 2 when it meets it.
        var text = new List<byte>(Utf8(CsvHeader + "\n"));
        for (int i = 0; i < 2000; i++)
        {
            text.AddRange(Utf8($"vtx_{i},T,2024-01-01T00:00:00Z,{i},\n"));
        }

        text.AddRange([.. Utf8("vtx_bad,T,2024-01-01T00:00:00Z,1,\"{\"\"r\"\":\"\"é"), 0xE9, .. Utf8("\"\"}\"\n")]);
        text.AddRange(Utf8("vtx_last,T,2024-01-01T00:00:00Z,1,\n"));
        byte[] bytes = [.. text];

        var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => ReadAsync(Csv(bytes, MalformedRowPolicy.Fail), new SkippedRowCounter()));
        Assert.Equal(2002, ex.Line);

        var skipped = new SkippedRowCounter();
        List<VoucherTransaction> rows = await ReadAsync(Csv(bytes, MalformedRowPolicy.Skip), skipped);
        Assert.Equal(2001, rows.Count);
        Assert.Equal("vtx_last", rows[^1].Id);
        Assert.Equal(2002, skipped.First!.Line);
    }

    [Fact]
    public async Task CsvHeaderWithInvalidUtf8FailsUnderEitherPolicy()
    {
        byte[] bytes = [.. Utf8("id,ty"), 0xFF, .. Utf8("pe,created_at\nvtx_1,T,2024-01-01T00:00:00Z\n")];
        foreach (var policy in new[] { MalformedRowPolicy.Fail, MalformedRowPolicy.Skip })
        {
            var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => ReadAsync(Csv(bytes, policy), new SkippedRowCounter()));
            Assert.Equal(1, ex.Line);
            Assert.Contains("invalid UTF-8", ex.Problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CsvUtf16FileIsRefusedNotMisread()
    {
        byte[] bytes = [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("id,type,created_at\nvtx_1,T,2024-01-01T00:00:00Z\n")];
        var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => ReadAsync(Csv(bytes, MalformedRowPolicy.Skip), new SkippedRowCounter()));
        Assert.Equal(1, ex.Line);
        Assert.Contains("invalid UTF-8", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MalformedRowPolicy.Fail)]
    [InlineData(MalformedRowPolicy.Skip)]
    public async Task JsonLinesFiftyMegabyteLineNeverGrowsTheBufferPastTheLimit(MalformedRowPolicy policy)
    {
        const long huge = 50L * 1024 * 1024;
        var pool = new RecordingBufferPool();
        var source = new JsonLinesTransactionSource(
            _ => ValueTask.FromResult<Stream>(new LongLineStream(Utf8(Good1 + "\n{\"reason\":\""), huge, (byte)'x', Utf8("\"}\n" + Good3 + "\n"))),
            "huge.jsonl", new JsonLinesSourceOptions { BatchSize = 2, MalformedRows = policy, BufferPool = pool });
        var skipped = new SkippedRowCounter();

        if (policy == MalformedRowPolicy.Fail)
        {
            var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => ReadAsync(source, skipped));
            Assert.Equal(2, ex.Line);
            Assert.Contains($"longer than {JsonLinesSourceOptions.DefaultMaxLineBytes} bytes", ex.Problem, StringComparison.Ordinal);
        }
        else
        {
            List<VoucherTransaction> rows = await ReadAsync(source, skipped);
            Assert.Equal(["vtx_1", "vtx_3"], rows.Select(r => r.Id));
            Assert.Equal(1, skipped.Count);
            Assert.Equal(2, skipped.First!.Line);
            Assert.Contains("line limit", skipped.First.Problem, StringComparison.Ordinal);
        }

        // The buffer grew to the limit and no further, and went back to the pool.
        Assert.InRange(pool.LargestRent, 1, JsonLinesSourceOptions.DefaultMaxLineBytes + 2);
        pool.AssertBalanced("the 50 MB line");
    }

    [Theory]
    [InlineData(MalformedRowPolicy.Fail)]
    [InlineData(MalformedRowPolicy.Skip)]
    public async Task CsvFiftyMegabyteLineFailsNamingTheLineAndTheLimit(MalformedRowPolicy policy)
    {
        const long huge = 50L * 1024 * 1024;
        var source = new CsvTransactionSource(
            _ => ValueTask.FromResult<Stream>(new LongLineStream(Utf8(CsvHeader + "\nvtx_1,T,2024-01-01T00:00:00Z,1,\nvtx_2,T,2024-01-01T00:00:00Z,1,\""), huge, (byte)'x', Utf8("\"\n"))),
            "huge.csv", new CsvSourceOptions { MalformedRows = policy });

        var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => ReadAsync(source, new SkippedRowCounter()));

        // A record over the limit cannot be stepped over (its end is where an unterminated quote would be), so Skip fails too.
        Assert.Equal(3, ex.Line);
        Assert.Contains($"longer than {CsvSourceOptions.DefaultMaxRecordChars} characters", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("MaxRecordChars", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CsvUnterminatedQuoteFailsUnderSkipToo()
    {
        byte[] bytes = Utf8(CsvHeader + "\nvtx_1,T,2024-01-01T00:00:00Z,1,\nvtx_2,\"T,2024-01-01T00:00:00Z,1,\n" + new string('y', 300));
        var source = new CsvTransactionSource(
            _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)), "test.csv",
            new CsvSourceOptions { MaxRecordChars = 128, MalformedRows = MalformedRowPolicy.Skip });

        var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => ReadAsync(source, new SkippedRowCounter()));

        Assert.Equal(3, ex.Line);
    }

    [Fact]
    public void OptionsAreValidatedWhenTheSourceIsBuilt()
    {
        static ValueTask<Stream> Open(CancellationToken _) => ValueTask.FromResult<Stream>(new MemoryStream());
        Assert.Equal("MaxLineBytes", Assert.Throws<ArgumentOutOfRangeException>(
            () => new JsonLinesTransactionSource(Open, "x", new JsonLinesSourceOptions { MaxLineBytes = 0 })).ParamName);
        Assert.Equal("MalformedRows", Assert.Throws<ArgumentOutOfRangeException>(
            () => new JsonLinesTransactionSource(Open, "x", new JsonLinesSourceOptions { MalformedRows = (MalformedRowPolicy)7 })).ParamName);
        Assert.Equal("MaxRecordChars", Assert.Throws<ArgumentOutOfRangeException>(
            () => new CsvTransactionSource(Open, "x", new CsvSourceOptions { MaxRecordChars = 10 })).ParamName);
        Assert.Equal("BatchSize", Assert.Throws<ArgumentOutOfRangeException>(
            () => new CsvTransactionSource(Open, "x", new CsvSourceOptions { BatchSize = 0 })).ParamName);
    }

    [Fact]
    public async Task TheExportResultAndManifestReportTheSkippedCount()
    {
        byte[] bytes = Utf8(Good1 + "\n{bad\n" + Good3 + "\n{\"id\":\"vtx_4\"}\n");
        var source = JsonLines(bytes, MalformedRowPolicy.Skip);
        var request = ExportRequest.For(ExportParameters.Default);
        var sinks = new InMemoryChunkSinkFactory();

        ExportResult result = await ExportEngine.RunAsync(request, source, sinks);

        Assert.Equal(2, result.Result.Rows);
        Assert.Equal(2, result.Result.SkippedRows);
        byte[] manifest = sinks.Find(request.Export.Id)!.Committed.Single(kv => kv.Key == ExportEngine.ManifestName).Value;
        using var json = System.Text.Json.JsonDocument.Parse(manifest);
        Assert.Equal(2, json.RootElement.GetProperty("result").GetProperty("skipped_rows").GetInt64());
        Assert.Equal(2, ExportJsonReader.Read(json.RootElement).Result!.SkippedRows);
    }

    [Fact]
    public async Task UnderTheDefaultPolicyAnExportOfABadLedgerFailsAndLeavesNothing()
    {
        var request = ExportRequest.For(ExportParameters.Default);
        var sinks = new InMemoryChunkSinkFactory();

        var ex = await Assert.ThrowsAsync<LedgerFormatException>(
            () => ExportEngine.RunAsync(request, JsonLines(Utf8(Good1 + "\n{bad\n"), MalformedRowPolicy.Fail), sinks));

        Assert.Equal(2, ex.Line);
        Assert.Empty(sinks.Find(request.Export.Id)!.Committed);
    }

    [Fact]
    public async Task ACleanLedgerWritesNoSkippedCount()
    {
        var request = ExportRequest.For(ExportParameters.Default);
        var sinks = new InMemoryChunkSinkFactory();

        ExportResult result = await ExportEngine.RunAsync(request, JsonLines(Utf8(Good1 + "\n" + Good3 + "\n"), MalformedRowPolicy.Skip), sinks);

        Assert.Equal(0, result.Result.SkippedRows);
        Assert.Equal(-1, sinks.Find(request.Export.Id)!.Committed.Single(kv => kv.Key == ExportEngine.ManifestName).Value.AsSpan().IndexOf("skipped_rows"u8));
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] JsonLinesFile(byte[] bad) => [.. Utf8(Good1 + "\n"), .. bad, .. Utf8("\n" + Good3 + "\n")];

    private static byte[] CsvFile(byte[] bad) =>
        [.. Utf8(CsvHeader + "\r\nvtx_1,T,2024-01-01T00:00:00Z,-5,\r\n"), .. bad, .. Utf8("\r\nvtx_3,T,2024-01-01T00:00:02Z,7,\r\n")];

    private static JsonLinesTransactionSource JsonLines(byte[] bytes, MalformedRowPolicy policy) => new(
        _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)), "test.jsonl",
        new JsonLinesSourceOptions { BatchSize = 1, MalformedRows = policy })
    {
        ReadBufferBytes = 16,
    };

    private static CsvTransactionSource Csv(byte[] bytes, MalformedRowPolicy policy) => new(
        _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)), "test.csv",
        new CsvSourceOptions { BatchSize = 1, MalformedRows = policy });

    private static async Task<List<VoucherTransaction>> ReadAsync(ITransactionSource source, SkippedRowCounter skipped)
    {
        var query = new TransactionQuery(null, ExportOrder.CreatedAtAscending, DateTimeOffset.UnixEpoch) { SkippedRows = skipped };
        var rows = new List<VoucherTransaction>();
        await foreach (var batch in source.ReadAsync(query, CancellationToken.None))
        {
            rows.AddRange(batch.ToArray());
        }

        return rows;
    }
}

using System.Text;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

public class CsvTransactionSourceTests
{
    private const string LabelHeader =
        "ID,Type,Source ID,Reason,Balance,Amount,Creation Date,Voucher ID,Campaign ID,Source,Details,Related Transaction ID";

    [Fact]
    public async Task ReadsAHandWrittenExportWithLabels()
    {
        string csv = LabelHeader + "\r\n"
            + "vtx_1,CREDITS_REDEMPTION,op-1,\"He said \"\"no\"\",\r\nthen yes\",7500,-2500,2023-05-16T08:30:21.496Z,v_1,camp_1,API,"
            + "\"{\"\"balance\"\":{\"\"amount\"\":-2500,\"\"balance\"\":7500}}\",\r\n"
            + "vtx_2,CREDITS_REFUND,,'=1+2,,,2023-05-16T08:30:22Z,,,,,vtx_1\r\n";
        using var file = new TempFile(csv, ".csv");

        List<VoucherTransaction> rows = await SourceReader.ReadAllAsync(new CsvTransactionSource(file.Path));

        Assert.Equal(2, rows.Count);
        VoucherTransaction first = rows[0];
        Assert.Equal("vtx_1", first.Id);
        Assert.Equal("CREDITS_REDEMPTION", first.Type);
        Assert.Equal("op-1", first.SourceId);
        Assert.Equal("He said \"no\",\r\nthen yes", first.Reason);
        Assert.Equal(7500, first.Balance);
        Assert.Equal(-2500, first.Amount);
        Assert.Equal(new DateTimeOffset(2023, 5, 16, 8, 30, 21, 496, TimeSpan.Zero), first.CreatedAt);
        Assert.Equal("v_1", first.VoucherId);
        Assert.Equal("camp_1", first.CampaignId);
        Assert.Equal("API", first.Source);
        Assert.Equal("""{"balance":{"amount":-2500,"balance":7500}}""", Encoding.UTF8.GetString(first.Details.Span));
        Assert.Null(first.RelatedTransactionId);

        VoucherTransaction second = rows[1];
        Assert.Null(second.SourceId);
        Assert.Equal("'=1+2", second.Reason);
        Assert.Null(second.Balance);
        Assert.Null(second.Amount);
        Assert.Null(second.VoucherId);
        Assert.Null(second.CampaignId);
        Assert.Null(second.Source);
        Assert.True(second.Details.IsEmpty);
        Assert.Equal("vtx_1", second.RelatedTransactionId);
    }

    [Theory]
    [InlineData(',', true, "\r\n", false)]
    [InlineData(';', false, "\n", true)]
    [InlineData('\t', true, "\n", true)]
    [InlineData('|', false, "\r\n", false)]
    public async Task ReadsTheDemoLedgerBackWithAnyDelimiterAndHeaderStyle(char delimiter, bool labels, string newline, bool bom)
    {
        List<VoucherTransaction> expected = [.. new DemoLedger(1_500, 13).Transactions()];
        byte[] csv = TestCsv.Write(expected, delimiter, labels, newline);
        using var file = new TempFile(bom ? [0xEF, 0xBB, 0xBF, .. csv] : csv, ".csv");
        var sizes = new List<int>();

        List<VoucherTransaction> rows = await SourceReader.ReadAllAsync(new CsvTransactionSource(file.Path, batchSize: 100), sizes);

        // CSV has no null/empty distinction: an empty reason reads back as null.
        TransactionAssert.Equal([.. expected.Select(t => t.Reason == "" ? Without(t) : t)], rows);
        Assert.Equal(Enumerable.Repeat(100, 15), sizes);
    }

    [Fact]
    public async Task ARecordStartingWithHashIsARowNotAComment()
    {
        // Found by the writer fuzz target: Sylvan's default comment character dropped such records without a word.
        using var file = new TempFile("id,type,created_at\n#1,T,2024-01-01T00:00:00Z\n#,#,2024-01-01T00:00:01Z\n", ".csv");

        List<VoucherTransaction> rows = await SourceReader.ReadAllAsync(new CsvTransactionSource(file.Path));

        Assert.Equal(["#1", "#"], rows.Select(r => r.Id));
        Assert.Equal("#", rows[1].Type);
    }

    [Fact]
    public async Task HeaderMatchesIgnoreCaseSpacesAndUnknownColumns()
    {
        using var file = new TempFile("Status, created_AT ,TYPE,Id\nDONE,2024-01-01T00:00:00Z,POINTS_ACCRUAL,vtx_1\n", ".csv");

        VoucherTransaction row = Assert.Single(await SourceReader.ReadAllAsync(new CsvTransactionSource(file.Path)));

        Assert.Equal("vtx_1", row.Id);
        Assert.Equal("POINTS_ACCRUAL", row.Type);
    }

    [Fact]
    public async Task BlankLinesAreSkippedAndCountedInLineNumbers()
    {
        using var file = new TempFile("id,type,created_at\n\nvtx_1,T,2024-01-01T00:00:00Z\n\n\nvtx_2,T,soon\n", ".csv");

        var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => SourceReader.ReadAllAsync(new CsvTransactionSource(file.Path)));

        Assert.Equal(6, ex.Line);
    }

    [Fact]
    public async Task HeaderOnlyHasNoRows()
    {
        using var file = new TempFile(LabelHeader + "\r\n", ".csv");

        Assert.Empty(await SourceReader.ReadAllAsync(new CsvTransactionSource(file.Path)));
    }

    [Theory]
    [InlineData("id,created_at\n", "type")]
    [InlineData("ID,Type\n", "created_at")]
    [InlineData("Type,Creation Date,Reason\n", "id")]
    public async Task MissingRequiredColumnIsNamed(string header, string column)
    {
        using var file = new TempFile(header, ".csv");

        var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => SourceReader.ReadAllAsync(new CsvTransactionSource(file.Path)));

        Assert.Equal(1, ex.Line);
        Assert.Contains($"required column {column}", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DuplicateColumnIsRefused()
    {
        using var file = new TempFile("id,type,created_at,Creation Date\n", ".csv");

        var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => SourceReader.ReadAllAsync(new CsvTransactionSource(file.Path)));

        Assert.Contains("created_at appears twice", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyFileIsRefused()
    {
        using var file = new TempFile("", ".csv");

        var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => SourceReader.ReadAllAsync(new CsvTransactionSource(file.Path)));

        Assert.Equal(1, ex.Line);
    }

    [Theory]
    [InlineData("vtx_9,T,yesterday,1,{}", "column 'Creation Date': expected an ISO 8601 timestamp")]
    [InlineData("vtx_9,T,2024-01-01T00:00:00Z,1.5,{}", "column 'Amount': expected an integer")]
    [InlineData("vtx_9,T,2024-01-01T00:00:00Z,1e3,{}", "column 'Amount': expected an integer")]
    [InlineData("vtx_9,T,2024-01-01T00:00:00Z,'-10,{}", "column 'Amount': expected an integer")]
    [InlineData("vtx_9,T,2024-01-01T00:00:00Z,1,[1]", "column 'Details': expected a JSON object")]
    [InlineData("vtx_9,T,2024-01-01T00:00:00Z,1,{oops}", "column 'Details': invalid JSON")]
    [InlineData(",T,2024-01-01T00:00:00Z,1,{}", "column 'ID': must not be empty")]
    [InlineData("vtx_9,,2024-01-01T00:00:00Z,1,{}", "column 'Type': must not be empty")]
    [InlineData("vtx_9,T,2024-01-01T00:00:00Z,1", "the record has 4 fields, the header has 5")]
    [InlineData("vtx_9,T,2024-01-01T00:00:00Z,1,{},extra", "the record has 6 fields, the header has 5")]
    public async Task BadValueNamesTheLineAndColumn(string bad, string problem)
    {
        // The first record spans lines 2-4, so the bad record starts on line 5.
        string csv = "ID,Type,Creation Date,Amount,Details\r\n"
            + "vtx_1,T,2024-01-01T00:00:00Z,-5,\"{\r\n  \"\"a\"\": 1\n}\"\r\n"
            + bad + "\r\n";
        using var file = new TempFile(csv, ".csv");

        var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => SourceReader.ReadAllAsync(new CsvTransactionSource(file.Path)));

        Assert.Equal(5, ex.Line);
        Assert.StartsWith(problem, ex.Problem, StringComparison.Ordinal);
        Assert.Equal(file.Path, ex.Source);
    }

    [Fact]
    public async Task MultiLineDetailsAreCompacted()
    {
        using var file = new TempFile("id,type,created_at,details\nvtx_1,T,2024-01-01T00:00:00Z,\"{\n  \"\"a b\"\": [1, 2]\n}\"\n", ".csv");

        VoucherTransaction row = Assert.Single(await SourceReader.ReadAllAsync(new CsvTransactionSource(file.Path)));

        Assert.Equal("""{"a b":[1,2]}""", Encoding.UTF8.GetString(row.Details.Span));
    }

    [Fact]
    public async Task MalformedQuotingNamesTheLine()
    {
        using var file = new TempFile("id,type,created_at\nvtx_1,T,2024-01-01T00:00:00Z\nvtx_2,\"T\"x,2024-01-01T00:00:00Z\n", ".csv");

        var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => SourceReader.ReadAllAsync(new CsvTransactionSource(file.Path)));

        Assert.Equal(3, ex.Line);
    }

    [Fact]
    public async Task InvalidUtf8IsRefused()
    {
        byte[] csv = [.. "id,type,created_at\nvtx_"u8, 0xC3, 0x28, .. ",T,2024-01-01T00:00:00Z\n"u8];
        using var file = new TempFile(csv, ".csv");

        var ex = await Assert.ThrowsAsync<LedgerFormatException>(() => SourceReader.ReadAllAsync(new CsvTransactionSource(file.Path)));

        Assert.Equal("invalid UTF-8", ex.Problem);
    }

    [Fact]
    public void PlanAppliesNothing()
    {
        var source = new CsvTransactionSource("unused.csv");

        Assert.Equal(SourcePushdown.None, source.Plan(SourceReader.Query(ExportOrder.CreatedAtAscending)));
        Assert.Equal(SourcePushdown.None, source.Plan(SourceReader.Query(ExportOrder.CreatedAtDescending)));
    }

    [Fact]
    public async Task StopsWhenCancelledBetweenBatches()
    {
        using var file = new TempFile(TestCsv.Write(new DemoLedger(50).Transactions(), ',', labels: true), ".csv");
        using var cts = new CancellationTokenSource();
        int batches = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var batch in new CsvTransactionSource(file.Path, 10).ReadAsync(SourceReader.Query(), cts.Token))
            {
                batches++;
                await cts.CancelAsync();
            }
        });
        Assert.Equal(1, batches);
    }

    private static VoucherTransaction Without(VoucherTransaction t) => new()
    {
        Id = t.Id,
        Type = t.Type,
        SourceId = t.SourceId,
        VoucherId = t.VoucherId,
        CampaignId = t.CampaignId,
        Source = t.Source,
        Reason = null,
        Details = t.Details,
        RelatedTransactionId = t.RelatedTransactionId,
        CreatedAt = t.CreatedAt,
        Amount = t.Amount,
        Balance = t.Balance,
    };
}

using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Csv;

public class CsvRecordWriterTests
{
    private static readonly ImmutableArray<TransactionField> s_reasonOnly = [TransactionField.Reason];

    /// <summary>Writes through a roomy buffer and through a stingy one; both must give the same bytes.</summary>
    private static string Write(CsvFormat format, ImmutableArray<TransactionField> fields, VoucherTransaction row)
    {
        var writer = new CsvRecordWriter(format, fields);
        var roomy = new ArrayBufferWriter<byte>();
        int length = writer.WriteRecord(roomy, row);
        Assert.Equal(roomy.WrittenCount, length);

        var tiny = new TinyBufferWriter();
        Assert.Equal(length, new CsvRecordWriter(format, fields).WriteRecord(tiny, row));
        Assert.Equal(roomy.WrittenSpan.ToArray(), tiny.WrittenBytes);
        Assert.Equal(CsvReference.Record(format, fields, row), tiny.WrittenBytes);
        return Encoding.UTF8.GetString(roomy.WrittenSpan);
    }

    private static string Reason(string? reason, CsvFormat? format = null)
        => Write(format ?? CsvFormat.Default, [TransactionField.Reason, TransactionField.Id], TestRows.Make(reason: reason));

    [Fact]
    public void HeaderUsesLabelsByDefault()
    {
        var writer = new CsvRecordWriter(CsvFormat.Default, TransactionFields.Default);
        Assert.Equal("ID,Type,Source ID,Reason,Source,Balance,Amount,Creation Date\r\n", Encoding.UTF8.GetString(writer.Preamble.Span));
    }

    [Fact]
    public void HeaderUsesNamesWhenAsked()
    {
        var writer = new CsvRecordWriter(CsvFormat.Default with { Header = CsvHeaderStyle.Names }, TransactionFields.All);
        Assert.Equal(
            "id,type,source_id,reason,balance,amount,created_at,voucher_id,campaign_id,details,related_transaction_id,source,status\r\n",
            Encoding.UTF8.GetString(writer.Preamble.Span));
    }

    [Fact]
    public void BomComesFirstOnlyWhenAsked()
    {
        Assert.False(new CsvRecordWriter(CsvFormat.Default, s_reasonOnly).Preamble.Span.StartsWith("\uFEFF"u8));
        var withBom = new CsvRecordWriter(CsvFormat.Default with { Bom = true }, s_reasonOnly).Preamble.ToArray();
        Assert.Equal([0xEF, 0xBB, 0xBF, .. "Reason\r\n"u8.ToArray()], withBom);
    }

    [Theory]
    [InlineData(CsvNewline.CrLf, "a,vtx_1\r\n")]
    [InlineData(CsvNewline.Lf, "a,vtx_1\n")]
    public void RecordsEndWithTheChosenNewline(CsvNewline newline, string expected)
    {
        var format = CsvFormat.Default with { Newline = newline };
        Assert.Equal(expected, Reason("a", format));
        Assert.EndsWith(newline == CsvNewline.CrLf ? "\r\n" : "\n", Encoding.UTF8.GetString(new CsvRecordWriter(format, s_reasonOnly).Preamble.Span));
    }

    [Theory]
    [InlineData(',', "x;y|z\tw", "x;y|z\tw,vtx_1\r\n")]
    [InlineData(',', "x,y", "\"x,y\",vtx_1\r\n")]
    [InlineData(';', "x,y", "x,y;vtx_1\r\n")]
    [InlineData(';', "x;y", "\"x;y\";vtx_1\r\n")]
    [InlineData('\t', "x\ty", "\"x\ty\"\tvtx_1\r\n")]
    [InlineData('|', "x|y", "\"x|y\"|vtx_1\r\n")]
    [InlineData('|', "x,y;z", "x,y;z|vtx_1\r\n")]
    public void OnlyTheChosenDelimiterForcesQuotes(char delimiter, string reason, string expected)
        => Assert.Equal(expected, Reason(reason, CsvFormat.Default with { Delimiter = delimiter }));

    [Theory]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\",vtx_1\r\n")]
    [InlineData("\"", "\"\"\"\",vtx_1\r\n")]
    [InlineData("line\nbreak", "\"line\nbreak\",vtx_1\r\n")]
    [InlineData("cr\ronly", "\"cr\ronly\",vtx_1\r\n")]
    [InlineData("crlf\r\n", "\"crlf\r\n\",vtx_1\r\n")]
    [InlineData("plain text", "plain text,vtx_1\r\n")]
    [InlineData("zażółć 😀", "zażółć 😀,vtx_1\r\n")]
    public void TextIsQuotedOnlyWhenItMustBe(string reason, string expected) => Assert.Equal(expected, Reason(reason));

    [Fact]
    public void NullAndEmptyTextAreBothAnEmptyCell()
    {
        // CSV cannot tell them apart; SPEC §4 asks for an empty cell for null, and "" has no other spelling.
        Assert.Equal(",vtx_1\r\n", Reason(null));
        Assert.Equal(",vtx_1\r\n", Reason(""));
    }

    [Fact]
    public void ASingleEmptyColumnIsQuotedSoTheRecordIsNotABlankLine()
    {
        Assert.Equal("\"\"\r\n", Write(CsvFormat.Default, s_reasonOnly, TestRows.Make(reason: null)));
        Assert.Equal("\"\"\r\n", Write(CsvFormat.Default, [TransactionField.Amount], TestRows.Make(amount: null)));
    }

    [Fact]
    public void NullNumbersAndDetailsAreEmptyCells()
        => Assert.Equal(
            "vtx_1,,,\r\n",
            Write(CsvFormat.Default, [TransactionField.Id, TransactionField.Amount, TransactionField.Balance, TransactionField.Details],
                TestRows.Make(amount: null, balance: null, details: null)));

    [Fact]
    public void NumbersAreInvariantAndKeepTheirSign()
        => Assert.Equal("-10,0\r\n", Write(CsvFormat.Default, [TransactionField.Amount, TransactionField.Balance], TestRows.Make(amount: -10, balance: 0)));

    [Fact]
    public void ExtremeNumbersFit()
    {
        Assert.Equal("-9223372036854775808,9223372036854775807\r\n",
            Write(CsvFormat.Default, [TransactionField.Amount, TransactionField.Balance], TestRows.Make(amount: long.MinValue, balance: long.MaxValue)));
    }

    [Theory]
    [InlineData("2023-05-16T08:30:21.496Z")]
    [InlineData("2023-05-16T08:30:21.000Z")]
    [InlineData("0001-01-01T00:00:00.000Z")]
    [InlineData("9999-12-31T23:59:59.999Z")]
    [InlineData("2024-02-29T12:05:09.007Z")]
    public void DatesAreUtcWithMilliseconds(string expected)
    {
        var at = DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected + "\r\n", Write(CsvFormat.Default, [TransactionField.CreatedAt], TestRows.Make(createdAt: at)));
    }

    [Fact]
    public void DatesWithAnOffsetAreWrittenInUtcAndSubMillisecondsAreCut()
    {
        var at = new DateTimeOffset(2023, 5, 16, 1, 30, 21, 496, TimeSpan.FromHours(-9)).AddTicks(9999);
        Assert.Equal("2023-05-16T10:30:21.496Z\r\n", Write(CsvFormat.Default, [TransactionField.CreatedAt], TestRows.Make(createdAt: at)));
    }

    [Fact]
    public void TheCachedDatePrefixFollowsDayChanges()
    {
        var writer = new CsvRecordWriter(CsvFormat.Default, [TransactionField.CreatedAt]);
        var output = new ArrayBufferWriter<byte>();
        var times = new[] { "2023-05-16T23:59:59.999Z", "2023-05-17T00:00:00.000Z", "2023-05-17T13:00:00.000Z", "2022-01-01T00:00:00.001Z", "2023-05-17T00:00:00.000Z" };
        foreach (var t in times)
        {
            writer.WriteRecord(output, TestRows.Make(createdAt: DateTimeOffset.Parse(t, System.Globalization.CultureInfo.InvariantCulture)));
        }

        Assert.Equal(string.Concat(times.Select(t => t + "\r\n")), Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void DetailsAreOneQuotedCellWithQuotesDoubled()
        => Assert.Equal(
            "vtx_1,\"{\"\"balance\"\":{\"\"amount\"\":-1000,\"\"note\"\":\"\"a,b\\\"\"c\"\"}}\"\r\n",
            Write(CsvFormat.Default, [TransactionField.Id, TransactionField.Details],
                TestRows.Make(details: """{"balance":{"amount":-1000,"note":"a,b\"c"}}""")));

    [Fact]
    public void DetailsWithoutQuotesAreStillQuoted()
        => Assert.Equal("\"{}\"\r\n", Write(CsvFormat.Default, [TransactionField.Details], TestRows.Make(details: "{}")));

    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("-5", "'-5")]
    [InlineData("+1", "'+1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("safe =1", "safe =1")]
    [InlineData("'already", "'already")]
    public void FormulaGuardPrefixesDangerousText(string reason, string expected)
    {
        var format = CsvFormat.Default with { FormulaGuard = true };
        Assert.Equal(expected + ",vtx_1\r\n", Reason(reason, format));
    }

    [Fact]
    public void FormulaGuardStillQuotesWhatNeedsQuotes()
    {
        var format = CsvFormat.Default with { FormulaGuard = true };
        Assert.Equal("\"'=HYPERLINK(\"\"x\"\",1)\",vtx_1\r\n", Reason("=HYPERLINK(\"x\",1)", format));
        Assert.Equal("\"'\nnew line\",vtx_1\r\n", Reason("\nnew line", format));
        Assert.Equal("\"'\rx\",vtx_1\r\n", Reason("\rx", format));
    }

    [Fact]
    public void FormulaGuardLeavesNumbersDatesAndDetailsAlone()
    {
        var format = CsvFormat.Default with { FormulaGuard = true };
        var row = TestRows.Make(reason: "-5", amount: -10, balance: -3, details: """-{"x":1}""");
        Assert.Equal(
            "'-5,-10,-3,2023-05-16T08:30:21.496Z,\"-{\"\"x\"\":1}\"\r\n",
            Write(format, [TransactionField.Reason, TransactionField.Amount, TransactionField.Balance, TransactionField.CreatedAt, TransactionField.Details], row));
    }

    [Fact]
    public void FormulaGuardIsOffByDefault() => Assert.Equal("=1+1,vtx_1\r\n", Reason("=1+1"));

    [Fact]
    public void LoneSurrogatesBecomeReplacementCharacters()
        => Assert.Equal("a\uFFFDb,vtx_1\r\n", Reason("a\uD800b"));

    [Fact]
    public void AllFieldsInOneRecord()
    {
        var row = TestRows.Make(reason: "r", sourceId: "s1", related: "vtx_0");
        Assert.Equal(
            "vtx_1,CREDITS_REDEMPTION,s1,r,9000,-1000,2023-05-16T08:30:21.496Z,v_1,camp_1,\"{\"\"balance\"\":{\"\"amount\"\":-1000,\"\"balance\"\":9000}}\",vtx_0,API,\r\n",
            Write(CsvFormat.Default, TransactionFields.All, row));
    }

    [Fact]
    public void LargeCellsAskForTheirOwnSpan()
    {
        string reason = string.Concat(Enumerable.Repeat("\"€,", 20_000));
        string csv = Write(CsvFormat.Default, [TransactionField.Id, TransactionField.Reason, TransactionField.Id], TestRows.Make(reason: reason));
        var (_, rows) = CsvReading.Read(Encoding.UTF8.GetBytes("a,b,c\r\n" + csv), ',');
        Assert.Equal(reason, Assert.Single(rows)[1]);
    }

    [Fact]
    public void BadFormatsAndFieldsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new CsvRecordWriter(CsvFormat.Default with { Delimiter = '"' }, s_reasonOnly));
        Assert.Throws<ArgumentException>(() => new CsvRecordWriter(CsvFormat.Default with { Newline = (CsvNewline)7 }, s_reasonOnly));
        Assert.Throws<ArgumentException>(() => new CsvRecordWriter(CsvFormat.Default, []));
        Assert.Throws<ArgumentException>(() => new CsvRecordWriter(CsvFormat.Default, default));
        Assert.Throws<ArgumentException>(() => new CsvRecordWriter(CsvFormat.Default, [(TransactionField)99]));
    }

    [Fact]
    public void TheHotPathDoesNotAllocate()
    {
        var writer = new CsvRecordWriter(CsvFormat.Default with { FormulaGuard = true }, TransactionFields.All);
        var output = new ArrayBufferWriter<byte>(1 << 20);
        VoucherTransaction[] rows =
        [
            TestRows.Make(reason: "plain"),
            TestRows.Make(reason: "needs, \"quotes\"", createdAt: TestRows.Start.AddDays(1)),
            TestRows.Make(reason: "=guarded", amount: null),
        ];
        foreach (var row in rows)
        {
            writer.WriteRecord(output, row);
        }

        output.Clear();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            writer.WriteRecord(output, rows[i % rows.Length]);
            if (output.FreeCapacity < 4096)
            {
                output.ResetWrittenCount();
            }
        }

        // 1,000 rows: one allocation per row would be 24 KB or more. The runtime itself may allocate a few hundred bytes
        // once on this thread (tiered compilation promoting a hot method did on a loaded CI machine).
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1024);
    }
}

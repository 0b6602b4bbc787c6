using System.Text;
using VoucherExport.Demo;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

public class VoucherJsonLinesTests
{
    [Fact]
    public void WriteThenReadGivesTheSameVouchers()
    {
        var ledger = new DemoLedger(4_000, 2);
        VoucherInfo[] vouchers = [.. ledger.Vouchers, new VoucherInfo("v_x", "CODE \"é\" 🎁", null, "DISCOUNT_VOUCHER")];
        using var stream = new MemoryStream();
        VoucherJsonLines.Write(stream, vouchers);
        using var file = new TempFile(stream.ToArray(), ".jsonl");

        IReadOnlyList<VoucherInfo> read = VoucherJsonLines.Read(file.Path);

        Assert.Equal(vouchers, read);
        Assert.Equal(vouchers.Length, stream.ToArray().Count(b => b == '\n'));
        Assert.Contains("\"campaign_id\":null", Encoding.UTF8.GetString(stream.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void ToleratesCrLfBlankLinesAndExtraKeys()
    {
        using var file = new TempFile("""
            {"id":"v_1","code":"A","campaign_id":"camp_1","type":"GIFT_VOUCHER","object":"voucher"}

            {"id":"v_2","code":"B","type":"LOYALTY_CARD","extra":{"nested":[1,2]}}
            """.ReplaceLineEndings("\r\n"));

        IReadOnlyList<VoucherInfo> read = VoucherJsonLines.Read(file.Path);

        Assert.Equal([new("v_1", "A", "camp_1", "GIFT_VOUCHER"), new("v_2", "B", null, "LOYALTY_CARD")], read);
    }

    [Theory]
    [InlineData("""{"id":"v_2","type":"GIFT_VOUCHER"}""", "code: missing or empty")]
    [InlineData("""{"id":"v_2","code":"","type":"GIFT_VOUCHER"}""", "code: missing or empty")]
    [InlineData("""{"code":"B","type":"GIFT_VOUCHER"}""", "id: missing or empty")]
    [InlineData("""{"id":"v_2","code":"B"}""", "type: missing or empty")]
    [InlineData("""{"id":"v_2","code":5,"type":"GIFT_VOUCHER"}""", "code: expected a string")]
    [InlineData("""{"id":"v_2",""", "invalid JSON")]
    [InlineData("""[1]""", "expected a JSON object")]
    public void BadLineNamesItsLine(string bad, string problem)
    {
        using var file = new TempFile($"{{\"id\":\"v_1\",\"code\":\"A\",\"type\":\"GIFT_VOUCHER\"}}\n\n{bad}\n");

        var ex = Assert.Throws<LedgerFormatException>(() => VoucherJsonLines.Read(file.Path));

        Assert.Equal(3, ex.Line);
        Assert.Equal(file.Path, ex.Source);
        Assert.StartsWith(problem, ex.Problem, StringComparison.Ordinal);
    }
}

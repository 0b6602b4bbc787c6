using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Csv;

/// <summary>
/// The formula guard (<see cref="CsvFormat.FormulaGuard"/>): text cells that a spreadsheet would run get a leading <c>'</c>;
/// numbers and dates — negative amounts and balances included — keep their exact bytes.
/// </summary>
public class FormulaGuardTests
{
    private static readonly ImmutableArray<TransactionField> s_fields =
    [
        TransactionField.Id, TransactionField.Reason, TransactionField.Amount, TransactionField.Balance,
        TransactionField.CreatedAt, TransactionField.Source, TransactionField.Details,
    ];

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")")]
    [InlineData("+1+2", "'+1+2")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tlead tab", "'\tlead tab")]
    [InlineData("\rcmd", "'\rcmd")]
    [InlineData("\nline", "'\nline")]
    [InlineData("plain", "plain")]
    [InlineData("a=b", "a=b")]
    [InlineData("'quoted", "'quoted")]
    [InlineData("", "")]
    public void TextCellsAreGuardedAndNumbersKeepTheirSigns(string text, string expectedText)
    {
        var row = TestRows.Make(id: text.Length == 0 ? "vtx_1" : text, reason: text, source: text, amount: -2500, balance: -7,
            createdAt: new DateTimeOffset(2023, 5, 16, 8, 30, 21, 496, TimeSpan.Zero));

        var (_, rows) = CsvReading.Read(Write(new CsvFormat { FormulaGuard = true }, row), ',');

        string[] cells = Assert.Single(rows);
        Assert.Equal(text.Length == 0 ? "vtx_1" : expectedText, cells[0]);
        Assert.Equal(expectedText, cells[1]);
        Assert.Equal("-2500", cells[2]);
        Assert.Equal("-7", cells[3]);
        Assert.Equal("2023-05-16T08:30:21.496Z", cells[4]);
        Assert.Equal(expectedText, cells[5]);
        Assert.Equal("""{"balance":{"amount":-1000,"balance":9000}}""", cells[6]);
    }

    [Property(MaxTest = 300)]
    public Property NumberAndDateBytesAreTheSameWithTheGuardOnOrOff() => Prop.ForAll(
        (from amount in Gen.Choose(-1_000_000, 1_000_000).Select(v => (long?)v).Or(Gen.Elements<long?>(long.MinValue, long.MaxValue, -1, 0, null))
         from balance in Gen.Choose(-1_000_000, 1_000_000).Select(v => (long?)v).Or(Gen.Elements<long?>(long.MinValue, -1, null))
         from ms in Gen.Choose(0, int.MaxValue)
         from text in Gen.Elements("=1", "+1", "-1", "@a", "\t", "\r", "\n", "x", "-", "")
         from delimiter in Gen.Elements(',', ';', '\t', '|')
         select (amount, balance, ms, text, delimiter)).ToArbitrary(),
        input =>
        {
            var row = TestRows.Make(reason: input.text, source: input.text, amount: input.amount, balance: input.balance,
                createdAt: DateTimeOffset.UnixEpoch.AddMilliseconds(input.ms * 997L));
            var off = CsvReading.Read(Write(new CsvFormat { Delimiter = input.delimiter }, row), input.delimiter).Rows.Single();
            var on = CsvReading.Read(Write(new CsvFormat { Delimiter = input.delimiter, FormulaGuard = true }, row), input.delimiter).Rows.Single();

            // amount, balance, created_at and details: byte for byte the same, and the signs as the numbers have them.
            foreach (int column in new[] { 2, 3, 4, 6 })
            {
                Assert.Equal(off[column], on[column]);
            }

            Assert.Equal(input.amount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", on[2]);
            Assert.Equal(input.balance?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", on[3]);

            // Text: guarded exactly when it starts with = + - @ tab CR LF.
            bool risky = input.text.Length > 0 && input.text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\n';
            Assert.Equal(input.text, off[1]);
            Assert.Equal(risky ? "'" + input.text : input.text, on[1]);
            Assert.Equal(on[1], on[5]);
        });

    [Fact]
    public void TheHeaderIsNeverGuarded()
    {
        var writer = new CsvRecordWriter(new CsvFormat { FormulaGuard = true, Header = CsvHeaderStyle.Names }, s_fields);
        Assert.Equal("id,reason,amount,balance,created_at,source,details\r\n", Encoding.UTF8.GetString(writer.Preamble.Span));
    }

    private static byte[] Write(CsvFormat format, VoucherTransaction row)
    {
        var writer = new CsvRecordWriter(format, s_fields);
        var output = new ArrayBufferWriter<byte>();
        output.Write(writer.Preamble.Span);
        writer.WriteRecord(output, row);
        return output.WrittenSpan.ToArray();
    }
}

using System.Text;
using System.Text.Unicode;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Demo;
using VoucherExport.Tests.Csv;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

/// <summary>
/// The compact scan (<c>TransactionJson.TryParseCompact</c>) against the full parser: on every line the scan reads, the
/// same row; on every line the full parser rejects, the scan gives up, so the full parser's error is what a user sees.
/// </summary>
public class CompactParseTests
{
    private const string Line =
        """{"id":"vtx_1","source_id":"op-1","voucher_id":"v_1","campaign_id":"camp_1","source":"API","reason":"REASON","type":"CREDITS_REDEMPTION","details":{"balance":{"type":"gift_voucher","amount":-2500,"points":7,"balance":BALANCE,"related_object":{"id":"v_1","type":"voucher"}},"order":{"id":"ord_1","items":[1,-2.5e3,true,false,null,{"a":[]}]}},"related_transaction_id":null,"created_at":"2023-05-16T08:30:21.496Z","object":"transaction"}""";

    // Bytes that matter to JSON's grammar, and a few that never may stand outside a string.
    private static readonly byte[] s_alphabet = [.. "{}[]\":,\\/0123456789-+.eEtrufalsnbx \t\r\n"u8, 0x01, 0x1F, 0x7F, 0xC3, 0xA9];

    private static readonly byte[][] s_ledger = LedgerLines(300);

    [Fact]
    public void EveryLineOfAGeneratedLedgerTakesTheScanAndGivesTheFullParsersRow()
    {
        // Without this the other tests would pass with a scan that always gives up.
        Assert.All(s_ledger, line => AssertSameRow(line, expectScan: true));
    }

    [Theory]
    [InlineData("""He said \"refund it\"; a\\b\/c\b\f\n\r\t""")]
    [InlineData("""Zwrot \u015brodk\u00f3w \ud83d\ude00""")]
    [InlineData("""\uD83C\uDF81 birthday \uD83C\uDF89\\u\uD83D\uDE00""")]
    [InlineData("Zwrot środków – €5")]
    [InlineData("")]
    public void EscapedAndNonAsciiTextsAreScannedToTheSameText(string reason)
        => AssertSameRow(Make(reason: reason), expectScan: true);

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("null")]
    [InlineData("9223372036854775807")]
    [InlineData("-9223372036854775808")]
    public void BalancesInTheFormsOfALongAreScanned(string balance)
        => AssertSameRow(Make(balance: balance), expectScan: true);

    [Theory]
    [InlineData("1.0")]
    [InlineData("1e2")]
    [InlineData("9223372036854775808")]
    [InlineData("01")]
    [InlineData("-")]
    [InlineData("\"5\"")]
    [InlineData("true")]
    public void ABalanceTheFullParserRefusesIsLeftToIt(string balance)
        => AssertLeftToFullParser(Make(balance: balance), fullParserAccepts: false);

    [Theory]
    [InlineData("""\ud800""", false)]
    [InlineData("""\udc00x""", false)]
    [InlineData("""\ud83d\u0041""", false)]
    [InlineData("""\ud83dx""", false)]
    [InlineData("""\ud83d""", false)]
    [InlineData("""a\ude00\ud83d""", false)]
    [InlineData("""\ud83d\ude00\uDE00""", false)]
    [InlineData("""\uD83D\"\uDE00""", false)]
    [InlineData("""\x""", false)]
    [InlineData("""\u12""", false)]
    [InlineData("tab\tinside", false)]
    public void ABadStringIsLeftToTheFullParser(string reason, bool fullParserAccepts)
        => AssertLeftToFullParser(Make(reason: reason), fullParserAccepts);

    [Theory]
    [InlineData("""{"id": "vtx_1", "type": "T", "created_at": "2023-05-16T08:30:21.496Z"}""")]
    [InlineData(""" { "id" : "vtx_1" ,"type":"T","created_at":"2023-05-16T08:30:21.496Z" } """)]
    [InlineData("{\t\"id\":\"vtx_1\",\r\n\"type\":\"T\",\"created_at\":\"2023-05-16T08:30:21.496Z\"}\r")]
    [InlineData("""{"id":"vtx_1","type":"T","details": { "balance" : { "amount" : -5 , "balance" : 7 } , "x" : [ 1 , { "y" : [ ] } , { } ] } ,"created_at":"2023-05-16T08:30:21.496Z"}""")]
    public void WhitespaceBetweenTokensIsScannedAndDetailsComeOutCompact(string line)
    {
        AssertSameRow(Bytes(line), expectScan: true);
        VoucherTransaction row = TransactionJson.TryParseCompact(Bytes(line), strings: null)!;
        Assert.DoesNotContain((byte)' ', row.Details.ToArray());
    }

    [Fact]
    public void AGeneratedLedgerWrittenWithPythonsSeparatorsIsScannedToTheSameRows()
    {
        // json.dumps' defaults: ", " between members and ": " after names, also inside details.
        foreach (byte[] line in s_ledger)
        {
            string spaced = Encoding.UTF8.GetString(line).Replace("\",\"", "\", \"", StringComparison.Ordinal)
                .Replace("\":", "\": ", StringComparison.Ordinal);
            AssertSameRow(Bytes(spaced), expectScan: true);
        }
    }

    [Theory]
    // Valid lines the scan does not take: an escaped name, balance twice, an escaped created_at.
    [InlineData("""{"i\u0064":"vtx_1","type":"T","created_at":"2023-05-16T08:30:21.496Z"}""", true)]
    [InlineData("""{"id":"vtx_1","type":"T","details":{"balance":null,"balance":{"amount":1}},"created_at":"2023-05-16T08:30:21.496Z"}""", true)]
    [InlineData("""{"id":"vtx_1","type":"T","details":{"balance":{"amount":1,"amount":2}},"created_at":"2023-05-16T08:30:21.496Z"}""", true)]
    [InlineData("""{"id":"vtx_1","type":"T","created_at":"2023-05-16T08:30:21\u002e496Z"}""", true)]
    // Lines the full parser refuses.
    [InlineData("""{"id":"vtx_1","id":"vtx_2","type":"T","created_at":"2023-05-16T08:30:21.496Z"}""", false)]
    [InlineData("""{"id":null,"type":"T","created_at":"2023-05-16T08:30:21.496Z"}""", false)]
    [InlineData("""{"id":"","type":"T","created_at":"2023-05-16T08:30:21.496Z"}""", false)]
    [InlineData("""{"id":"vtx_1","type":"","created_at":"2023-05-16T08:30:21.496Z"}""", false)]
    [InlineData("""{"id":"vtx_1","type":null,"created_at":"2023-05-16T08:30:21.496Z"}""", false)]
    [InlineData("""{"id":"vtx_1","type":"T"}""", false)]
    [InlineData("""{"id":"vtx_1","type":"T","created_at":"yesterday"}""", false)]
    [InlineData("""{"id":"vtx_1","type":"T","created_at":"2023-05-16T08:30:21.496Z"}x""", false)]
    [InlineData("""{"id":"vtx_1","type":"T","created_at":"2023-05-16T08:30:21.496Z",}""", false)]
    [InlineData("""{"id":"vtx_1","type":"T","details":[],"created_at":"2023-05-16T08:30:21.496Z"}""", false)]
    [InlineData("""{"id":"vtx_1","type":"T","details":{"balance":7},"created_at":"2023-05-16T08:30:21.496Z"}""", false)]
    [InlineData("""{"id":"vtx_1","type":"T","source_id":5,"created_at":"2023-05-16T08:30:21.496Z"}""", false)]
    [InlineData("""{"id":"vtx_1","type":"T","extra":[1,],"created_at":"2023-05-16T08:30:21.496Z"}""", false)]
    [InlineData("""{"id":"vtx_1","type":"T","extra":tru,"created_at":"2023-05-16T08:30:21.496Z"}""", false)]
    [InlineData("{\"id\":\"vtx_1\",\"type\":\"T\",\"created_at\":\"2023-05-16T08:30:21.496Z\\\"}", false)]
    [InlineData("""{}""", false)]
    [InlineData("""[]""", false)]
    public void ALineTheScanDoesNotTakeIsLeftToTheFullParser(string line, bool fullParserAccepts)
        => AssertLeftToFullParser(Bytes(line), fullParserAccepts);

    [Fact]
    public void NestingPastTheScansDepthIsLeftToTheFullParser()
    {
        // One level under the scan's limit it reads the line itself; one over, the full parser does (it allows 64).
        string Nested(int depth) => Encoding.UTF8.GetString(Make()).Replace(
            "\"order\":", $"\"deep\":{new string('[', depth)}{new string(']', depth)},\"order\":", StringComparison.Ordinal);

        // "details" sits at depth 2, so its members' arrays open at 3.
        AssertSameRow(Bytes(Nested(TransactionJson.MaxDepth - 2)), expectScan: true);
        AssertLeftToFullParser(Bytes(Nested(TransactionJson.MaxDepth - 1)), fullParserAccepts: true);
    }

    [Property(MaxTest = 3000)]
    public void AMutatedLineIsReadAsTheFullParserReadsItOrLeftToIt(PositiveInt line, NonEmptyArray<(PositiveInt At, byte Kind, byte Pick)> edits)
    {
        byte[] mutated = Mutate(s_ledger[line.Get % s_ledger.Length], edits.Get);
        if (Utf8.IsValid(mutated))
        {
            AssertSameRow(mutated, expectScan: false);
        }
    }

    [Fact]
    public void RandomMutationsReachBothTheScanAndTheFullParsersErrors()
    {
        // The property above, seeded, counting what the mutated lines exercised: some must still be scanned, some
        // must be rejected by the full parser, or the property proves little.
        var random = new Random(20261206);
        int scanned = 0, rejected = 0;
        for (int n = 0; n < 20_000; n++)
        {
            var edits = new (PositiveInt, byte, byte)[1 + random.Next(2)];
            for (int e = 0; e < edits.Length; e++)
            {
                edits[e] = (PositiveInt.NewPositiveInt(1 + random.Next(int.MaxValue - 1)), (byte)random.Next(256), (byte)random.Next(256));
            }

            byte[] mutated = Mutate(s_ledger[random.Next(s_ledger.Length)], edits);
            if (!Utf8.IsValid(mutated))
            {
                continue;
            }

            (bool scan, bool full) = AssertSameRow(mutated, expectScan: false);
            scanned += scan ? 1 : 0;
            rejected += full ? 0 : 1;
        }

        Assert.InRange(scanned, 2_000, 20_000);
        Assert.InRange(rejected, 2_000, 20_000);
    }

    /// <summary>
    /// Checks the scan against the full parser on one valid-UTF-8 line; returns whether the scan took it and whether the
    /// full parser accepted it.
    /// </summary>
    private static (bool Scanned, bool Accepted) AssertSameRow(byte[] line, bool expectScan)
    {
        VoucherTransaction? full = null;
        try
        {
            full = TransactionJson.ParseFull(line, strings: null);
        }
        catch (FormatException)
        {
        }

        VoucherTransaction? scanned = TransactionJson.TryParseCompact(line, SharedStrings.ForOneRead());
        if (expectScan)
        {
            Assert.NotNull(scanned);
        }

        if (scanned is not null)
        {
            Assert.True(full is not null, $"the scan read a line the full parser refuses: {Encoding.UTF8.GetString(line)}");
            TestRows.AssertSameFields(full, scanned);
        }

        return (scanned is not null, full is not null);
    }

    private static void AssertLeftToFullParser(byte[] line, bool fullParserAccepts)
    {
        Assert.Null(TransactionJson.TryParseCompact(line, SharedStrings.ForOneRead()));
        if (fullParserAccepts)
        {
            TransactionJson.Parse(line);
        }
        else
        {
            Assert.Throws<FormatException>(() => TransactionJson.Parse(line));
        }
    }

    private static byte[] Mutate(byte[] line, (PositiveInt At, byte Kind, byte Pick)[] edits)
    {
        var bytes = new List<byte>(line);
        foreach ((PositiveInt at, byte kind, byte pick) in edits)
        {
            int position = at.Get % (bytes.Count + 1);
            byte value = s_alphabet[pick % s_alphabet.Length];
            switch (kind % 4)
            {
                case 0 when position < bytes.Count:
                    bytes[position] = value;
                    break;
                case 1:
                    bytes.Insert(position, value);
                    break;
                case 2 when position < bytes.Count:
                    bytes.RemoveAt(position);
                    break;
                default:
                    // A copy of a stretch of the line elsewhere: repeated keys, values and brackets.
                    int from = (position * 7 + pick) % (bytes.Count + 1);
                    int length = Math.Min(1 + (pick % 40), bytes.Count - from);
                    bytes.InsertRange(position, bytes.GetRange(from, length));
                    break;
            }
        }

        return [.. bytes];
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Make(string reason = "refund", string balance = "7500")
        => Bytes(Line.Replace("REASON", reason, StringComparison.Ordinal).Replace("BALANCE", balance, StringComparison.Ordinal));

    private static byte[][] LedgerLines(int rows)
    {
        using var stream = new MemoryStream();
        new DemoLedger(rows, seed: 7).WriteJsonLines(stream);
        return [.. Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Bytes)];
    }
}

using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

public class TransactionJsonTests
{
    private const string GiftRedemption = """
        {"id":"vtx_0c9b6e3f4a1d2e5f6a7b8c9d","source_id":"op-1","voucher_id":"v_abc","campaign_id":"camp_xyz",
         "source":"API","reason":"He said \"refund it\"","type":"CREDITS_REDEMPTION",
         "details":{ "balance": {"type":"gift_voucher","total":10000,"amount":-2500,"object":"balance","balance":7500,
                     "related_object":{"id":"v_abc","type":"voucher"}},
                     "order": {"id":"ord_1", "source_id":"ORDER 1"} },
         "related_transaction_id":null,"created_at":"2023-05-16T08:30:21.496Z","object":"transaction"}
        """;

    [Fact]
    public void ParsesEveryField()
    {
        VoucherTransaction t = Parse(GiftRedemption.ReplaceLineEndings(""));

        Assert.Equal("vtx_0c9b6e3f4a1d2e5f6a7b8c9d", t.Id);
        Assert.Equal("op-1", t.SourceId);
        Assert.Equal("v_abc", t.VoucherId);
        Assert.Equal("camp_xyz", t.CampaignId);
        Assert.Equal("API", t.Source);
        Assert.Equal("He said \"refund it\"", t.Reason);
        Assert.Equal("CREDITS_REDEMPTION", t.Type);
        Assert.Null(t.RelatedTransactionId);
        Assert.Equal(new DateTimeOffset(2023, 5, 16, 8, 30, 21, 496, TimeSpan.Zero), t.CreatedAt);
        Assert.Equal(TimeSpan.Zero, t.CreatedAt.Offset);
        Assert.Equal(-2500, t.Amount);
        Assert.Equal(7500, t.Balance);
    }

    [Fact]
    public void DetailsAreKeptCompactWithSpacesInsideStringsIntact()
    {
        VoucherTransaction t = Parse(GiftRedemption);

        Assert.Equal(
            """{"balance":{"type":"gift_voucher","total":10000,"amount":-2500,"object":"balance","balance":7500,"related_object":{"id":"v_abc","type":"voucher"}},"order":{"id":"ord_1","source_id":"ORDER 1"}}""",
            Encoding.UTF8.GetString(t.Details.Span));
    }

    [Fact]
    public void CompactDetailsAreCopiedByteForByte()
    {
        // Escapes and number forms are kept as written: details are never re-encoded.
        const string details = """{"a":"x \u00e9 \"q\"","n":1.50E+3,"b":{"balance":null}}""";
        VoucherTransaction t = Parse($$"""{"id":"1","type":"T","created_at":"2024-01-01T00:00:00Z","details":{{details}}}""");

        Assert.Equal(details, Encoding.UTF8.GetString(t.Details.Span));
        Assert.Null(t.Amount);
        Assert.Null(t.Balance);
    }

    [Fact]
    public void LoyaltyAmountComesFromPoints()
    {
        VoucherTransaction t = Parse("""
            {"id":"1","type":"POINTS_ACCRUAL","created_at":"2024-01-01T00:00:00Z",
             "details":{"balance":{"type":"loyalty_card","total":10,"object":"balance","points":-7,"balance":3}}}
            """);

        Assert.Equal(-7, t.Amount);
        Assert.Equal(3, t.Balance);
    }

    [Fact]
    public void AmountWinsOverPoints()
    {
        VoucherTransaction t = Parse("""
            {"id":"1","type":"X","created_at":"2024-01-01T00:00:00Z","details":{"balance":{"points":1,"amount":2}}}
            """);

        Assert.Equal(2, t.Amount);
    }

    [Fact]
    public void AbsentAndNullOptionalFieldsAreNull()
    {
        VoucherTransaction t = Parse("""{"id":"1","type":"CREDITS_ADDITION","created_at":"2024-01-01T00:00:00Z","reason":null,"details":null}""");

        Assert.Null(t.SourceId);
        Assert.Null(t.VoucherId);
        Assert.Null(t.CampaignId);
        Assert.Null(t.Source);
        Assert.Null(t.Reason);
        Assert.True(t.Details.IsEmpty);
        Assert.Null(t.RelatedTransactionId);
        Assert.Null(t.Amount);
        Assert.Null(t.Balance);
    }

    [Fact]
    public void EmptyReasonIsAValueNotANull()
    {
        VoucherTransaction t = Parse("""{"id":"1","type":"T","created_at":"2024-01-01T00:00:00Z","reason":""}""");

        Assert.Equal("", t.Reason);
    }

    [Theory]
    [InlineData(TransactionTypes.RetiredPointsCancellation)]
    [InlineData("SOME_FUTURE_TYPE")]
    public void RetiredAndUnknownTypesAreAccepted(string type)
    {
        VoucherTransaction t = Parse($$"""{"id":"1","type":"{{type}}","created_at":"2024-01-01T00:00:00Z"}""");

        Assert.Equal(type, t.Type);
    }

    [Fact]
    public void EscapedPropertyNamesAndValuesAreUnderstood()
    {
        VoucherTransaction t = Parse("""{"\u0069d":"a\u0062","ty\u0070e":"T","created_at":"\u0032024-01-01T00:00:00Z"}""");

        Assert.Equal("ab", t.Id);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), t.CreatedAt);
    }

    [Theory]
    [InlineData("2023-05-16T08:30:21.496Z", "2023-05-16T08:30:21.4960000+00:00")]
    [InlineData("2023-05-16T08:30:21Z", "2023-05-16T08:30:21.0000000+00:00")]
    [InlineData("2023-05-16T10:30:21.5+02:00", "2023-05-16T08:30:21.5000000+00:00")]
    [InlineData("2023-05-16T05:00-0330", "2023-05-16T08:30:00.0000000+00:00")]
    [InlineData("2023-05-16T08:30:21.123456789", "2023-05-16T08:30:21.1234567+00:00")]
    [InlineData("2023-05-16", "2023-05-16T00:00:00.0000000+00:00")]
    public void CreatedAtIsIso8601InUtc(string text, string expected)
    {
        VoucherTransaction t = Parse($$"""{"id":"1","type":"T","created_at":"{{text}}"}""");

        Assert.Equal(expected, t.CreatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("""[]""", "expected a JSON object")]
    [InlineData("""{"id":"1","type":"T",""", "invalid JSON")]
    [InlineData("""{"id":"1","type":"T","created_at":"2024-01-01T00:00:00Z"} {}""", "invalid JSON")]
    [InlineData("""{"type":"T","created_at":"2024-01-01T00:00:00Z"}""", "id: missing")]
    [InlineData("""{"id":"1","created_at":"2024-01-01T00:00:00Z"}""", "type: missing")]
    [InlineData("""{"id":"1","type":"T"}""", "created_at: missing")]
    [InlineData("""{"id":5,"type":"T","created_at":"2024-01-01T00:00:00Z"}""", "id: expected a string")]
    [InlineData("""{"id":null,"type":"T","created_at":"2024-01-01T00:00:00Z"}""", "id: expected a string")]
    [InlineData("""{"id":"","type":"T","created_at":"2024-01-01T00:00:00Z"}""", "id: must not be empty")]
    [InlineData("""{"id":"1","type":true,"created_at":"2024-01-01T00:00:00Z"}""", "type: expected a string")]
    [InlineData("""{"id":"1","type":"T","created_at":1684225821}""", "created_at: expected an ISO 8601 string")]
    [InlineData("""{"id":"1","type":"T","created_at":"16/05/2023"}""", "created_at: expected an ISO 8601 string")]
    [InlineData("""{"id":"1","type":"T","created_at":"2023-02-30T00:00:00Z"}""", "created_at: expected an ISO 8601 string")]
    [InlineData("""{"id":"1","type":"T","created_at":null}""", "created_at: expected an ISO 8601 string")]
    [InlineData("""{"id":"1","type":"T","created_at":"2024-01-01T00:00:00Z","reason":["x"]}""", "reason: expected a string or null")]
    [InlineData("""{"id":"1","type":"T","created_at":"2024-01-01T00:00:00Z","source_id":1}""", "source_id: expected a string or null")]
    [InlineData("""{"id":"1","type":"T","created_at":"2024-01-01T00:00:00Z","details":"{}"}""", "details: expected an object or null")]
    [InlineData("""{"id":"1","type":"T","created_at":"2024-01-01T00:00:00Z","details":{"balance":7}}""", "details.balance: expected an object or null")]
    [InlineData("""{"id":"1","type":"T","created_at":"2024-01-01T00:00:00Z","details":{"balance":{"amount":1.5}}}""", "details.balance.amount: expected an integer")]
    [InlineData("""{"id":"1","type":"T","created_at":"2024-01-01T00:00:00Z","details":{"balance":{"points":"7"}}}""", "details.balance.points: expected an integer")]
    [InlineData("""{"id":"1","type":"T","created_at":"2024-01-01T00:00:00Z","details":{"balance":{"balance":1e3}}}""", "details.balance.balance: expected an integer")]
    [InlineData("""{"id":"1","type":"T","created_at":"2024-01-01T00:00:00Z","details":{"balance":{"amount":99999999999999999999}}}""", "details.balance.amount: expected an integer")]
    [InlineData("""{"id":"1","id":"2","type":"T","created_at":"2024-01-01T00:00:00Z"}""", "id: given twice")]
    public void BadInputNamesTheProblem(string json, string problem)
    {
        var ex = Assert.Throws<FormatException>(() => Parse(json));

        Assert.StartsWith(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8IsAFormatError()
    {
        byte[] json = Encoding.UTF8.GetBytes("""{"id":"1","type":"T","created_at":"2024-01-01T00:00:00Z","details":{"x":"__"}}""");
        int at = json.AsSpan().IndexOf("__"u8);
        json[at] = 0xC3;
        json[at + 1] = 0x28;

        var ex = Assert.Throws<FormatException>(() => TransactionJson.Parse(json));

        Assert.Equal("invalid UTF-8", ex.Message);
    }

    [Fact]
    public void WritesTheListTransactionsShape()
    {
        VoucherTransaction t = Parse(GiftRedemption);

        string json = Write(t, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);

        Assert.Equal(
            """{"id":"vtx_0c9b6e3f4a1d2e5f6a7b8c9d","source_id":"op-1","voucher_id":"v_abc","campaign_id":"camp_xyz","source":"API","reason":"He said \"refund it\"","type":"CREDITS_REDEMPTION","details":{"balance":{"type":"gift_voucher","total":10000,"amount":-2500,"object":"balance","balance":7500,"related_object":{"id":"v_abc","type":"voucher"}},"order":{"id":"ord_1","source_id":"ORDER 1"}},"related_transaction_id":null,"created_at":"2023-05-16T08:30:21.496Z","object":"transaction"}""",
            json);
    }

    [Fact]
    public void WritesCreatedAtInUtcWithMilliseconds()
    {
        var t = new VoucherTransaction
        {
            Id = "1",
            Type = "T",
            CreatedAt = new DateTimeOffset(2024, 3, 1, 1, 2, 3, 7, TimeSpan.FromHours(2)),
        };

        Assert.Contains("\"created_at\":\"2024-02-29T23:02:03.007Z\"", Write(t), StringComparison.Ordinal);
        Assert.Contains("\"details\":null", Write(t), StringComparison.Ordinal);
    }

    [Fact]
    public void RoundTripsNastyText()
    {
        var t = new VoucherTransaction
        {
            Id = "vtx_\"quoted\"",
            Type = "POINTS_REFUND",
            Reason = "a,b;c\td\re\nf\r\n=1+2 é 中文 🎁 \u0000 \u2028",
            Source = "voucherify-web-ui",
            SourceId = "",
            Details = """{"balance":{"points":-5,"balance":0},"text":"\ud83c\udf81 \"x\""}"""u8.ToArray(),
            CreatedAt = new DateTimeOffset(1999, 12, 31, 23, 59, 59, 999, TimeSpan.Zero),
            Amount = -5,
            Balance = 0,
        };

        TransactionAssert.Equal(t, Parse(Write(t)));
        TransactionAssert.Equal(t, Parse(Write(t, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)));
    }

    [Property(MaxTest = 300)]
    public Property ParseOfWriteIsIdentity()
        => Prop.ForAll(TransactionGen.Arbitrary, t => TransactionAssert.AreEqual(t, Parse(Write(t))));

    [Property(MaxTest = 100)]
    public Property ParseIgnoresIndentation()
        => Prop.ForAll(TransactionGen.Arbitrary, t =>
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                TransactionJson.Write(writer, t);
            }

            return TransactionAssert.AreEqual(t, TransactionJson.Parse(buffer.WrittenSpan));
        });

    private static VoucherTransaction Parse(string json) => TransactionJson.Parse(Encoding.UTF8.GetBytes(json));

    private static string Write(VoucherTransaction t, JavaScriptEncoder? encoder = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = encoder }))
        {
            TransactionJson.Write(writer, t);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

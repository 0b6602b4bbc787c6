using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Ordering;
using VoucherExport.Tests.Csv;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Ordering;

public class RunRecordTests
{
    /// <summary>Text as <see cref="CsvGen.Text"/>, plus lone surrogates, which UTF-8 cannot carry.</summary>
    private static readonly Gen<string?> s_text = Gen.Frequency(
        (1, Gen.Constant<string?>(null)),
        (5, CsvGen.Text.Select(t => (string?)t)),
        (1, CsvGen.Text.Select(t => (string?)(t + "\uD800" + t))),
        (1, CsvGen.Text.Select(t => (string?)("\uDFFF" + t))));

    private static readonly Gen<long?> s_number = Gen.Frequency(
        (1, Gen.Constant<long?>(null)),
        (3, Gen.Choose(int.MinValue, int.MaxValue).Select(n => (long?)n * 7919)),
        (1, Gen.Elements<long?>(long.MinValue, long.MaxValue, 0, -1, 63, 64, -64, -65)));

    private static readonly Gen<VoucherTransaction> s_row =
        from id in s_text
        from type in s_text
        from sourceId in s_text
        from voucherId in s_text
        from campaignId in s_text
        from source in s_text
        from reason in s_text
        from related in s_text
        from amount in s_number
        from balance in s_number
        from ticks in Gen.Choose(0, int.MaxValue).Select(n => DateTimeOffset.UnixEpoch.UtcTicks + (n * 1_000_003L))
        from offsetMinutes in Gen.Elements(0, 60, -300, 330, 840, -720)
        from detailsLength in Gen.Elements(0, 2, 300, 70_000)
        select new VoucherTransaction
        {
            Id = id ?? "",
            Type = type ?? "",
            SourceId = sourceId,
            VoucherId = voucherId,
            CampaignId = campaignId,
            Source = source,
            Reason = reason,
            RelatedTransactionId = related,
            Amount = amount,
            Balance = balance,
            CreatedAt = new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes)),
            Details = detailsLength == 0 ? default : Encoding.UTF8.GetBytes("{\"x\":\"" + new string('€', detailsLength / 3) + "\"}"),
        };

    [Property(MaxTest = 300)]
    public Property EveryFieldComesBackExactly() => Prop.ForAll(s_row.ToArbitrary(), row =>
    {
        var buffer = new byte[RunRecord.MaxLength(row)];
        int length = RunRecord.Write(row, buffer);
        ReadOnlySpan<byte> record = buffer.AsSpan(0, length);
        var back = RunRecord.Read(record, new RunStringCache());

        Assert.Equal(length, RunRecord.PrefixBytes + RunRecord.BodyLength(record));
        Assert.Equal(row.CreatedAt.UtcTicks, RunRecord.Ticks(record));
        Assert.Equal(row.Id, RunRecord.Id(record).ToString());
        TestRows.AssertSameFields(row, back);
    });

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(62)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(8191)]
    [InlineData(8192)]
    [InlineData(70_000)]
    public void AsciiTextTakesOneByteACharAfterTheShortestHeaderAtEveryHeaderLength(int chars)
    {
        // ASCII is narrowed straight into place: its header must be the same varint the UTF-8 path writes, whatever its
        // length (1 byte up to 63 chars, 2 up to 8,191, 3 beyond), and the text one byte a char.
        string text = new(Enumerable.Range(0, chars).Select(i => (char)('!' + (i % 94))).ToArray());
        var row = new VoucherTransaction { Id = "t", Type = "x", Reason = text, CreatedAt = DateTimeOffset.UnixEpoch };
        var noReason = new VoucherTransaction { Id = "t", Type = "x", Reason = null, CreatedAt = DateTimeOffset.UnixEpoch };
        var withText = new byte[RunRecord.MaxLength(row)];
        var without = new byte[RunRecord.MaxLength(noReason)];
        int length = RunRecord.Write(row, withText);
        int baseline = RunRecord.Write(noReason, without);
        int header = chars < 64 ? 1 : chars < 8192 ? 2 : 3;

        Assert.Equal(baseline - 1 + header + chars, length);
        Assert.Equal(text, RunRecord.Read(withText.AsSpan(0, length), new RunStringCache()).Reason);
    }

    [Fact]
    public void RepeatedShortTextIsSharedAndLongTextIsNot()
    {
        var cache = new RunStringCache();
        string a = cache.Get("CREDITS_REDEMPTION"u8);
        string b = cache.Get("CREDITS_REDEMPTION"u8);
        string other = cache.Get("CREDITS_ADDITION"u8);
        byte[] longText = Encoding.UTF8.GetBytes(new string('x', 100));

        Assert.Same(a, b);
        Assert.Equal("CREDITS_ADDITION", other);
        Assert.NotSame(cache.Get(longText), cache.Get(longText));
    }
}

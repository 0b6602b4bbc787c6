using System.Globalization;
using System.Text;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

public class Iso8601Tests
{
    [Theory]
    [InlineData("2023-05-16T08:30:21.496Z", "2023-05-16T08:30:21.4960000Z")]
    [InlineData("2023-05-16t08:30:21,5z", "2023-05-16T08:30:21.5000000Z")]
    [InlineData("2023-05-16 08:30:21", "2023-05-16T08:30:21.0000000Z")]
    [InlineData("2023-05-16T08:30", "2023-05-16T08:30:00.0000000Z")]
    [InlineData("2023-05-16T08:30:21-01", "2023-05-16T09:30:21.0000000Z")]
    [InlineData("2024-02-29T23:59:59.9999999+14:00", "2024-02-29T09:59:59.9999999Z")]
    [InlineData("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.0000000Z")]
    [InlineData("9999-12-31T23:59:59.9999999Z", "9999-12-31T23:59:59.9999999Z")]
    public void ParsesToUtc(string text, string expected)
    {
        Assert.True(Iso8601.TryParse(Encoding.UTF8.GetBytes(text), out DateTimeOffset value));
        Assert.True(Iso8601.TryParse(text.AsSpan(), out DateTimeOffset fromChars));

        Assert.Equal(expected, value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        Assert.Equal(TimeSpan.Zero, value.Offset);
        Assert.Equal(value, fromChars);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2023-5-16")]
    [InlineData("2023-05-16Z")]
    [InlineData("2023-05-16T")]
    [InlineData("2023-05-16T08")]
    [InlineData("2023-05-16T24:00:00Z")]
    [InlineData("2023-05-16T08:60:00Z")]
    [InlineData("2023-05-16T08:30:60Z")]
    [InlineData("2023-05-16T08:30:21.Z")]
    [InlineData("2023-13-01T00:00:00Z")]
    [InlineData("2023-02-29T00:00:00Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("2023-05-16T08:30:21+15:00")]
    [InlineData("2023-05-16T08:30:21+01:6")]
    [InlineData("2023-05-16T08:30:21Z ")]
    [InlineData(" 2023-05-16T08:30:21Z")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("2023-05-16T08:30:21.496Z\u00e9")]
    public void RefusesWhatIsNotIso8601(string text)
    {
        Assert.False(Iso8601.TryParse(Encoding.UTF8.GetBytes(text), out _));
        Assert.False(Iso8601.TryParse(text.AsSpan(), out _));
    }

    [Fact]
    public void FormatsUtcMilliseconds()
    {
        Span<byte> buffer = stackalloc byte[Iso8601.UtcMillisecondsLength];
        var value = new DateTimeOffset(2023, 5, 16, 10, 30, 21, 496, TimeSpan.FromHours(2)).AddTicks(9999);

        int written = Iso8601.FormatUtc(value, buffer);

        Assert.Equal("2023-05-16T08:30:21.496Z", Encoding.UTF8.GetString(buffer[..written]));
    }
}

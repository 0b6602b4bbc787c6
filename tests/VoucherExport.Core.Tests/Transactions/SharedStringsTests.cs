using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

public class SharedStringsTests
{
    [Fact]
    public void AnEqualShortAsciiTextGetsTheSameString()
    {
        var strings = SharedStrings.ForOneRead();
        string first = strings.Get("v_3FU4MmStkgJn3e5uqHV13AcZ"u8, SharedField.VoucherId);
        Assert.Equal("v_3FU4MmStkgJn3e5uqHV13AcZ", first);
        Assert.Same(first, strings.Get("v_3FU4MmStkgJn3e5uqHV13AcZ"u8.ToArray(), SharedField.VoucherId));
    }

    [Fact]
    public void TextsOfTheSameEndsAndLengthStayApart()
    {
        // The hash sees the length and eight bytes at each end only: these two collide and must still differ.
        var strings = SharedStrings.ForOneRead();
        string a = strings.Get("camp_AAAAAAAA_x_BBBBBBBB"u8, SharedField.VoucherId);
        string b = strings.Get("camp_AAAAAAAA_y_BBBBBBBB"u8, SharedField.VoucherId);
        Assert.Equal("camp_AAAAAAAA_x_BBBBBBBB", a);
        Assert.Equal("camp_AAAAAAAA_y_BBBBBBBB", b);
        Assert.Same(a, strings.Get("camp_AAAAAAAA_x_BBBBBBBB"u8, SharedField.VoucherId));
        Assert.Same(b, strings.Get("camp_AAAAAAAA_y_BBBBBBBB"u8, SharedField.VoucherId));
    }

    [Fact]
    public void NonAsciiLongAndEmptyTextsAreDecodedNotKept()
    {
        var strings = SharedStrings.ForOneRead();
        byte[] accented = Encoding.UTF8.GetBytes("Rückerstattung – €5");
        string once = strings.Get(accented, SharedField.VoucherId);
        Assert.Equal("Rückerstattung – €5", once);
        Assert.NotSame(once, strings.Get(accented, SharedField.VoucherId));

        string longText = new('x', SharedStrings.MaxBytes + 1);
        string longOnce = strings.Get(Encoding.ASCII.GetBytes(longText), SharedField.VoucherId);
        Assert.Equal(longText, longOnce);
        Assert.NotSame(longOnce, strings.Get(Encoding.ASCII.GetBytes(longText), SharedField.VoucherId));

        Assert.Same(string.Empty, strings.Get(ReadOnlySpan<byte>.Empty, SharedField.VoucherId));
        Assert.Same(string.Empty, strings.Get(ReadOnlySpan<char>.Empty, SharedField.VoucherId));
    }

    [Fact]
    public void CharTextsAreKeptWhateverTheirScript()
    {
        var strings = SharedStrings.ForOneRead();
        string first = strings.Get("Zwrot środków".AsSpan(), SharedField.VoucherId);
        Assert.Equal("Zwrot środków", first);
        Assert.Same(first, strings.Get("Zwrot środków".AsSpan(), SharedField.VoucherId));
    }

    [Fact]
    public void MoreTextsThanSlotsAreAllStillRight()
    {
        // Evictions only cost allocations: every text comes back equal to itself, however full the table.
        var strings = SharedStrings.ForOneRead();
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < 3 * SharedStrings.Slots; i++)
            {
                string text = "v_" + i.ToString("D24", System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(text, strings.Get(Encoding.ASCII.GetBytes(text), SharedField.VoucherId));
            }
        }
    }

    [Fact]
    public void AFieldWhoseTextsDoNotRepeatSkipsTheTableAndOneWhoseTextsDoKeepsIt()
    {
        var strings = SharedStrings.ForOneRead();
        byte[] repeated = Text(t => SharedStrings.IsSampled(t), "v_repeated_");
        byte[] once = Text(t => !SharedStrings.IsSampled(t), "v_once_");

        // Voucher ids that never repeat, enough for several decisions: the field stops using the table.
        for (int i = 0; i < 4 * 16 * SharedStrings.SampleWindow; i++)
        {
            strings.Get(Encoding.ASCII.GetBytes($"v_{i:D24}"), SharedField.VoucherId);
        }

        Assert.NotSame(strings.Get(once, SharedField.VoucherId), strings.Get(once, SharedField.VoucherId));

        // A sampled text still goes through the table, and the other fields decide for themselves.
        Assert.Same(strings.Get(repeated, SharedField.VoucherId), strings.Get(repeated, SharedField.VoucherId));
        Assert.Same(strings.Get(once, SharedField.CampaignId), strings.Get(once, SharedField.CampaignId));

        // When the field's sampled texts start repeating, it takes the table again.
        for (int i = 0; i < 2 * SharedStrings.SampleWindow; i++)
        {
            strings.Get(repeated, SharedField.VoucherId);
        }

        Assert.Same(strings.Get(once, SharedField.VoucherId), strings.Get(once, SharedField.VoucherId));
    }

    private static byte[] Text(Func<byte[], bool> wanted, string prefix)
    {
        for (int i = 0; ; i++)
        {
            byte[] text = Encoding.ASCII.GetBytes(prefix + i.ToString("D12", System.Globalization.CultureInfo.InvariantCulture));
            if (wanted(text))
            {
                return text;
            }
        }
    }

    [Property(MaxTest = 50)]
    public void ThreadsSharingOneTableEachGetTheirOwnTexts(NonEmptyArray<NonNull<string>> texts)
    {
        // Short texts of any script, read by four threads at once from one table, as the parsing threads of one read do.
        string[] values = [.. texts.Get.Select(t => t.Get.Length > 40 ? t.Get[..40] : t.Get)];
        var strings = SharedStrings.ForOneRead();
        Parallel.For(0, 4, thread =>
        {
            for (int round = 0; round < 50; round++)
            {
                foreach (string value in values)
                {
                    if (Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value)) is var decodable && decodable == value)
                    {
                        Assert.Equal(value, strings.Get(Encoding.UTF8.GetBytes(value), SharedField.VoucherId));
                    }

                    Assert.Equal(value, strings.Get(value.AsSpan(), SharedField.VoucherId));
                }
            }
        });
    }
}

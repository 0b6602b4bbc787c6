using VoucherExport.Parameters;

namespace VoucherExport.Tests;

public class SmokeTests
{
    [Fact]
    public void FieldNamesRoundTrip()
    {
        foreach (var f in TransactionFields.All)
        {
            Assert.True(TransactionFields.TryParse(TransactionFields.Name(f), out var back));
            Assert.Equal(f, back);
        }
    }
}

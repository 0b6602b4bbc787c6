using System.Text;
using VoucherExport.Parameters;

namespace VoucherExport.Tests.Parameters;

/// <summary>An escaped unpaired surrogate is valid JSON syntax but no text: a validation error, never an InvalidOperationException.</summary>
public class UnpairedSurrogateTests
{
    [Theory]
    [InlineData("""{"filters":{"voucher_id":{"conditions":{"$in":["\uDC00"]}}}}""")]
    [InlineData("""{"filters":{"amount":{"conditions":{"$is":"\uD800"}}}}""")]
    [InlineData("""{"filters":{"created_at":{"conditions":{"$after":"\uDC00"}}}}""")]
    [InlineData("""{"fields":["id","\uDBFFx"]}""")]
    [InlineData("""{"\uD800::":["id","f\uD800::ie"]}""")]
    public void IsAnInvalidPayloadNamingTheParameters(string json)
    {
        var ex = Assert.Throws<ExportValidationException>(() => ExportParametersParser.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Equal("invalid_payload", ex.Error.Key);
        Assert.StartsWith("parameters: holds a string that escapes an unpaired surrogate", ex.Error.Details, StringComparison.Ordinal);
    }
}

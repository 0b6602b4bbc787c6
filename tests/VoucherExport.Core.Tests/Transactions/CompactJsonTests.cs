using System.Text;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

public class CompactJsonTests
{
    [Theory]
    [InlineData("""{"a":1}""", """{"a":1}""")]
    [InlineData("""{ "a" : "x y" }""", """{"a":"x y"}""")]
    [InlineData("{\r\n\t\"a\": [1,\n 2]\r\n}", """{"a":[1,2]}""")]
    [InlineData("""{"a":"\\" , "b":"\" , "}""", """{"a":"\\","b":"\" , "}""")]
    [InlineData("""{"a":"\\\"  ","c" : {}}""", """{"a":"\\\"  ","c":{}}""")]
    public void RemovesOnlyWhitespaceOutsideStrings(string json, string expected)
    {
        byte[] compact = CompactJson.ToArray(Encoding.UTF8.GetBytes(json));

        Assert.Equal(expected, Encoding.UTF8.GetString(compact));
        Assert.True(CompactJson.IsCompact(compact));
        Assert.Equal(json == expected, CompactJson.IsCompact(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void CompactArrayIsReturnedItself()
    {
        byte[] json = """{"a":"b c"}"""u8.ToArray();

        Assert.Same(json, CompactJson.Compact(json));
    }

    [Theory]
    [InlineData("[]", "expected a JSON object")]
    [InlineData("1", "expected a JSON object")]
    [InlineData("{} {}", "invalid JSON")]
    [InlineData("{\"a\":}", "invalid JSON")]
    public void ValidateObjectRefusesOtherJson(string json, string problem)
    {
        var ex = Assert.Throws<FormatException>(() => CompactJson.ValidateObject(Encoding.UTF8.GetBytes(json)));

        Assert.StartsWith(problem, ex.Message, StringComparison.Ordinal);
    }
}

using System.Collections.Immutable;
using System.Text.Json;
using VoucherExport.Parameters;
using static VoucherExport.Tests.Parameters.ParametersTestData;

namespace VoucherExport.Tests.Parameters;

public class ExportParametersJsonTests
{
    [Fact]
    public void DefaultsAreWrittenInFullWithAnEmptyAndFilterAsVoucherifyEchoesThem()
        => Assert.Equal(
            J("{'order':'-created_at','fields':['id','type','source_id','reason','source','balance','amount','created_at'],'filters':{'junction':'and'}}"),
            Write(ExportParameters.Default));

    [Fact]
    public void EveryOperandShapeIsWrittenInItsCanonicalForm()
    {
        var parameters = Parse(
            "{'order':'created_at','fields':['amount','id'],'filters':{'junction':'OR',"
            + "'voucher_id':{'conditions':{'$in':'CODE1','$is_not':['x'],'$has_value':''}},"
            + "'amount':{'conditions':{'$more_than':'-5','$not_in':[1,'2'],'$is_unknown':null}},"
            + "'created_at':{'conditions':{'$after':'2023-05-16T10:30:21.4+02:00','$before':'2024-01-01',"
            + "'$less_than_equal':'2024-01-01T00:00:00.0000001Z','$is_days_ago':'3','$less_than':[0]}}}}");
        Assert.Equal(
            J("{'order':'created_at','fields':['amount','id'],'filters':{'junction':'or',"
            + "'voucher_id':{'conditions':{'$in':['CODE1'],'$is_not':['x'],'$has_value':true}},"
            + "'amount':{'conditions':{'$more_than':[-5],'$not_in':[1,2],'$is_unknown':true}},"
            + "'created_at':{'conditions':{'$after':['2023-05-16T08:30:21.400Z'],'$before':['2024-01-01T00:00:00.000Z'],"
            + "'$less_than_equal':['2024-01-01T00:00:00.0000001Z'],'$is_days_ago':[3],'$less_than':[0]}}}}"),
            Write(parameters));
    }

    [Fact]
    public void EmptyFiltersAreWrittenWithTheirJunction()
        => Assert.Equal(J("{'order':'-created_at','fields':['id'],'filters':{'junction':'and'}}"), Write(Parse("{'fields':['id'],'filters':{}}")));

    [Fact]
    public void TextIsEscapedAsJson()
    {
        var parameters = Parse("{'fields':['id'],'filters':{'reason':{'conditions':{'$contains':'\\\\ \\u0000 \\\" </'}}}}");
        var reparsed = ExportParametersParser.Parse(System.Text.Encoding.UTF8.GetBytes(Write(parameters)));
        Assert.Equal("\\ \0 \" </", reparsed.Filters!.Clauses[0].Conditions[0].Values[0].Text);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{'order':'created_at','fields':['details'],'filters':{'junction':'Or','id':{'conditions':{'$starts_with':'vtx_'}}}}")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$after':'2024-01-01T00:00:00.1234567+05:30','$more_than_future':'0','$is_unknown':{}}}}}")]
    [InlineData("{'filters':{'balance':{'conditions':{'$in':[-9223372036854775808,9223372036854775807]}}}}")]
    public void ParametersReadBackTheSame(string json)
    {
        var parsed = Parse(json);
        var reparsed = ExportParametersParser.Parse(System.Text.Encoding.UTF8.GetBytes(Write(parsed)));
        Assert.True(SameParameters(parsed, reparsed));
    }

    [Fact]
    public void ParametersThatCannotReadBackTheSameAreRefused()
    {
        var isOne = new FilterCondition(FilterOperator.Is, [FilterValue.OfNumber(1)]);
        ExportParameters With(params FieldFilter[] clauses)
            => ExportParameters.Default with { Filters = new FilterSet(FilterJunction.Or, [.. clauses]) };

        Assert.Throws<ArgumentException>(() => Write(With(new FieldFilter(TransactionField.Amount, [isOne]), new FieldFilter(TransactionField.Amount, [isOne]))));
        Assert.Throws<ArgumentException>(() => Write(With(new FieldFilter(TransactionField.Amount, [isOne, isOne]))));
        Assert.Throws<ArgumentException>(() => Write(With(new FieldFilter(TransactionField.Reason, [isOne]))));
        Assert.Throws<ArgumentException>(() => Write(With(new FieldFilter(TransactionField.Details, [new FilterCondition(FilterOperator.HasValue, [])]))));
        Assert.Throws<ArgumentException>(() => Write(ExportParameters.Default with { Fields = default }));
        Assert.Throws<ArgumentException>(() => Write(With(new FieldFilter(TransactionField.Amount, []))));
        Assert.Throws<ArgumentException>(() => Write(With(new FieldFilter(TransactionField.Amount, default))));
    }

    [Fact]
    public void WriterArgumentsAreRequired()
    {
        using var writer = new Utf8JsonWriter(Stream.Null);
        Assert.Throws<ArgumentNullException>(() => ExportParametersJson.Write(null!, ExportParameters.Default));
        Assert.Throws<ArgumentNullException>(() => ExportParametersJson.Write(writer, null!));
    }
}

using System.Text;
using System.Text.Json;
using VoucherExport.Parameters;
using static VoucherExport.Tests.Parameters.ParametersTestData;

namespace VoucherExport.Tests.Parameters;

public class ExportParametersParserTests
{
    private const string Payload = "invalid_payload";
    private const string ExportFields = "invalid_export_fields";

    [Fact]
    public void MissingParametersGiveTheDefaults()
    {
        Assert.Same(ExportParameters.Default, ExportParametersParser.Parse((JsonElement?)null));
        using var nullDocument = JsonDocument.Parse("null");
        Assert.Same(ExportParameters.Default, ExportParametersParser.Parse(nullDocument.RootElement));
        Assert.Same(ExportParameters.Default, ExportParametersParser.Parse("null"u8));
        Assert.Same(ExportParameters.Default, ExportParametersParser.Parse("""{"parameters":null}"""u8));
        Assert.Same(ExportParameters.Default, ExportParametersParser.Parse(default(JsonElement)));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{'order':null,'fields':null,'filters':null}")]
    [InlineData("{'parameters':{}}")]
    public void OmittedOrNullMembersGiveTheirDefaults(string json)
    {
        var parameters = Parse(json);
        Assert.Equal(ExportOrder.CreatedAtDescending, parameters.Order);
        Assert.Equal(TransactionFields.Default, parameters.Fields.AsEnumerable());
        Assert.Null(parameters.Filters);
    }

    [Fact]
    public void DefaultFieldsAreVoucherifysListWithoutStatus()
    {
        Assert.Equal(
            ["id", "type", "source_id", "reason", "source", "balance", "amount", "created_at"],
            ExportParameters.Default.Fields.Select(TransactionFields.Name));
    }

    [Theory]
    [InlineData("created_at", ExportOrder.CreatedAtAscending)]
    [InlineData("-created_at", ExportOrder.CreatedAtDescending)]
    public void OrderIsRead(string order, ExportOrder expected)
        => Assert.Equal(expected, Parse($"{{'order':'{order}'}}").Order);

    [Fact]
    public void FieldsKeepTheirRequestOrder()
    {
        var parameters = Parse("{'fields':['details','amount','id','related_transaction_id']}");
        Assert.Equal(
            [TransactionField.Details, TransactionField.Amount, TransactionField.Id, TransactionField.RelatedTransactionId],
            parameters.Fields.AsEnumerable());
    }

    [Fact]
    public void EveryFieldCanBeExported()
    {
        string all = string.Join(",", TransactionFields.All.Select(f => $"'{TransactionFields.Name(f)}'"));
        Assert.Equal(TransactionFields.All.AsEnumerable(), Parse($"{{'fields':[{all}]}}").Fields.AsEnumerable());
    }

    [Fact]
    public void TheSpecExampleParses()
    {
        var parameters = Parse(
            "{'order':'-created_at','fields':['id','voucher_id'],"
            + "'filters':{'voucher_id':{'conditions':{'$in':['HRwc0oHz']}}}}");
        Assert.Equal(ExportOrder.CreatedAtDescending, parameters.Order);
        Assert.Equal([TransactionField.Id, TransactionField.VoucherId], parameters.Fields.AsEnumerable());
        var filters = Assert.IsType<FilterSet>(parameters.Filters);
        Assert.Equal(FilterJunction.And, filters.Junction);
        var clause = Assert.Single(filters.Clauses);
        Assert.Equal(TransactionField.VoucherId, clause.Field);
        var condition = Assert.Single(clause.Conditions);
        Assert.Equal(FilterOperator.In, condition.Operator);
        Assert.Equal([FilterValue.OfText("HRwc0oHz")], condition.Values.AsEnumerable());
    }

    [Theory]
    [InlineData("'and'", FilterJunction.And)]
    [InlineData("'AND'", FilterJunction.And)]
    [InlineData("'And'", FilterJunction.And)]
    [InlineData("'aNd'", FilterJunction.And)]
    [InlineData("'or'", FilterJunction.Or)]
    [InlineData("'OR'", FilterJunction.Or)]
    [InlineData("'Or'", FilterJunction.Or)]
    [InlineData("null", FilterJunction.And)]
    public void JunctionIsCaseInsensitive(string junction, FilterJunction expected)
    {
        var filters = Filters($"{{'junction':{junction},'amount':{{'conditions':{{'$is':1}}}}}}");
        Assert.Equal(expected, filters.Junction);
    }

    [Theory]
    [InlineData("{}", FilterJunction.And)]
    [InlineData("{'junction':'or'}", FilterJunction.Or)]
    public void FiltersWithoutFieldsAreKeptAsAnEmptySet(string json, FilterJunction junction)
    {
        var filters = Filters(json);
        Assert.Equal(junction, filters.Junction);
        Assert.Empty(filters.Clauses);
    }

    [Fact]
    public void ClausesAndConditionsKeepRequestOrder()
    {
        var filters = Filters(
            "{'created_at':{'conditions':{'$before':'2024-02-01','$after':'2024-01-01'}},"
            + "'campaign_id':{'conditions':{'$is':'camp_1'}}}");
        Assert.Equal([TransactionField.CreatedAt, TransactionField.CampaignId], filters.Clauses.Select(c => c.Field));
        Assert.Equal([FilterOperator.Before, FilterOperator.After], filters.Clauses[0].Conditions.Select(c => c.Operator));
    }

    [Theory]
    [InlineData("'a'")]
    [InlineData("['a']")]
    public void SingleValueOperatorsTakeAScalarOrAnArrayOfOne(string operand)
    {
        var condition = Filters($"{{'reason':{{'conditions':{{'$is':{operand}}}}}}}").Clauses[0].Conditions[0];
        Assert.Equal([FilterValue.OfText("a")], condition.Values.AsEnumerable());
    }

    [Theory]
    [InlineData("'a'", new[] { "a" })]
    [InlineData("['a']", new[] { "a" })]
    [InlineData("['a','','a','b']", new[] { "a", "", "a", "b" })]
    public void ListOperatorsTakeAnArrayOrAScalar(string operand, string[] expected)
    {
        foreach (string op in new[] { "$in", "$not_in" })
        {
            var condition = Filters($"{{'source':{{'conditions':{{'{op}':{operand}}}}}}}").Clauses[0].Conditions[0];
            Assert.Equal(expected.Select(FilterValue.OfText), condition.Values.AsEnumerable());
        }
    }

    [Theory]
    [InlineData("5", 5)]
    [InlineData("-5", -5)]
    [InlineData("'-5'", -5)]
    [InlineData("'+7'", 7)]
    [InlineData("[0]", 0)]
    [InlineData("['12']", 12)]
    [InlineData("-0", 0)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("'-9223372036854775808'", long.MinValue)]
    public void NumberOperandsAreIntegersOrNumericStrings(string operand, long expected)
    {
        foreach (string op in new[] { "$is", "$is_not", "$in", "$not_in", "$more_than", "$less_than", "$more_than_equal", "$less_than_equal" })
        {
            var condition = Filters($"{{'amount':{{'conditions':{{'{op}':{operand}}}}}}}").Clauses[0].Conditions[0];
            Assert.Equal([FilterValue.OfNumber(expected)], condition.Values.AsEnumerable());
        }
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("3", 3)]
    [InlineData("'3'", 3)]
    [InlineData("[3]", 3)]
    [InlineData("['3']", 3)]
    [InlineData("3650000", 3650000)]
    public void DayCountsAreNonNegativeIntegersOrNumericStrings(string operand, long expected)
    {
        foreach (string op in new[] { "$more_than", "$less_than", "$more_than_ago", "$less_than_ago", "$more_than_future", "$less_than_future", "$is_days_ago", "$is_days_in_future" })
        {
            var condition = Filters($"{{'created_at':{{'conditions':{{'{op}':{operand}}}}}}}").Clauses[0].Conditions[0];
            Assert.Equal([FilterValue.OfNumber(expected)], condition.Values.AsEnumerable());
        }
    }

    [Theory]
    [InlineData("2023-05-16T08:30:21.496Z", 2023, 5, 16, 8, 30, 21, 496)]
    [InlineData("2023-05-16T08:30:21Z", 2023, 5, 16, 8, 30, 21, 0)]
    [InlineData("2023-05-16T08:30Z", 2023, 5, 16, 8, 30, 0, 0)]
    [InlineData("2023-05-16", 2023, 5, 16, 0, 0, 0, 0)]
    [InlineData("2023-05-16T08:30:21.496", 2023, 5, 16, 8, 30, 21, 496)]
    [InlineData("2023-05-16T10:30:21.496+02:00", 2023, 5, 16, 8, 30, 21, 496)]
    [InlineData("2023-05-16T01:00:00-08:00", 2023, 5, 16, 9, 0, 0, 0)]
    public void DateOperandsAreIso8601AndMeanUtcWithoutAnOffset(
        string text, int year, int month, int day, int hour, int minute, int second, int millisecond)
    {
        var expected = new DateTimeOffset(year, month, day, hour, minute, second, millisecond, TimeSpan.Zero);
        foreach (string op in new[] { "$after", "$before", "$more_than_equal", "$less_than_equal" })
        {
            foreach (string form in new[] { $"'{text}'", $"['{text}']" })
            {
                var value = Filters($"{{'created_at':{{'conditions':{{'{op}':{form}}}}}}}").Clauses[0].Conditions[0].Values[0];
                Assert.Equal(expected, value.Date);
                Assert.Equal(TimeSpan.Zero, value.Date.Offset);
            }
        }
    }

    [Fact]
    public void DateOperandsKeepSubMillisecondTicks()
    {
        var value = Filters("{'created_at':{'conditions':{'$after':'2023-05-16T08:30:21.4960001Z'}}}").Clauses[0].Conditions[0].Values[0];
        Assert.Equal(new DateTimeOffset(2023, 5, 16, 8, 30, 21, 496, TimeSpan.Zero).AddTicks(1), value.Date);
    }

    [Theory]
    [InlineData("amount", "$has_value", "true")]
    [InlineData("amount", "$is_unknown", "''")]
    [InlineData("reason", "$has_value", "null")]
    [InlineData("reason", "$is_unknown", "[]")]
    [InlineData("created_at", "$has_value", "{'x':1}")]
    [InlineData("created_at", "$is_unknown", "false")]
    [InlineData("balance", "$has_value", "[1,'x',null]")]
    public void PresenceOperatorsIgnoreTheirArgument(string field, string op, string argument)
    {
        var condition = Filters($"{{'{field}':{{'conditions':{{'{op}':{argument}}}}}}}").Clauses[0].Conditions[0];
        Assert.Empty(condition.Values);
    }

    [Fact]
    public void EveryOperatorOfEveryKindIsAccepted()
    {
        foreach (var field in TransactionFields.All.Where(TransactionFields.IsFilterable))
        {
            var kind = TransactionFields.Kind(field);
            foreach (var op in FilterOperators.Allowed(kind))
            {
                string operand = FilterOperators.Operand(kind, op) switch
                {
                    FilterOperand.Text => "'x'",
                    FilterOperand.Instant => "'2024-01-01T00:00:00Z'",
                    _ => "1",
                };
                var filters = Filters($"{{'{TransactionFields.Name(field)}':{{'conditions':{{'{FilterOperators.Name(op)}':{operand}}}}}}}");
                Assert.Equal(op, filters.Clauses[0].Conditions[0].Operator);
            }
        }
    }

    [Fact]
    public void AWholeRequestBodyIsUnwrapped()
    {
        var parameters = ExportParametersParser.Parse(Encoding.UTF8.GetBytes(J("{'parameters':{'order':'created_at'}}")));
        Assert.Equal(ExportOrder.CreatedAtAscending, parameters.Order);
    }

    [Fact]
    public void ABodyWithMoreThanParametersIsNotUnwrapped()
        => AssertRejected("{'parameters':{'order':'created_at'},'exported_object':'voucher_transactions'}", Payload, "parameters.parameters");

    [Fact]
    public void ErrorsAreRootedAtTheGivenPath()
    {
        using var document = JsonDocument.Parse(J("{'filters':{'amount':{'conditions':{'$in':[1,'x']}}}}"));
        var ex = Assert.Throws<ExportValidationException>(() => ExportParametersParser.Parse(document.RootElement, "body.parameters"));
        Assert.StartsWith("body.parameters.filters.amount.conditions.$in[1]: ", ex.Error.Details, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"order\":", 1, 9)]
    [InlineData("{\"order\":\"created_at\",}", 1, 22)]
    [InlineData("{}\n{}", 2, 0)]
    [InlineData("", 1, 0)]
    [InlineData("{'a':1}", 1, 1)]
    public void InvalidJsonIsAPayloadErrorWithItsPosition(string json, int line, int bytePosition)
    {
        var ex = Assert.Throws<ExportValidationException>(() => ExportParametersParser.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(Payload, ex.Error.Key);
        Assert.StartsWith("parameters: ", ex.Error.Details, StringComparison.Ordinal);
        Assert.Contains($"line {line}, byte {bytePosition} ", ex.Error.Details, StringComparison.Ordinal);
    }

    [Fact]
    public void ExportFieldErrorsNameTheAllowedFields()
    {
        var error = AssertRejected("{'fields':['nope']}", ExportFields, "parameters.fields[0]");
        Assert.Contains(TransactionFields.AllowedList, error.Details, StringComparison.Ordinal);
        Assert.Contains("\"nope\"", error.Details, StringComparison.Ordinal);
    }

    [Fact]
    public void OperatorErrorsListTheOperatorsOfTheField()
    {
        var error = AssertRejected("{'filters':{'amount':{'conditions':{'$contains':'1'}}}}", Payload, "parameters.filters.amount.conditions.$contains");
        Assert.Contains(FilterOperators.AllowedList(FieldKind.Number), error.Details, StringComparison.Ordinal);
        error = AssertRejected("{'filters':{'created_at':{'conditions':{'$nope':1}}}}", Payload, "parameters.filters.created_at.conditions.$nope");
        Assert.Contains(FilterOperators.AllowedList(FieldKind.Date), error.Details, StringComparison.Ordinal);
        error = AssertRejected("{'filters':{'voucher_id':{'conditions':{'$after':'2024-01-01'}}}}", Payload, "parameters.filters.voucher_id.conditions.$after");
        Assert.Contains(FilterOperators.AllowedList(FieldKind.Text), error.Details, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeValuesAreCutShortInMessages()
    {
        string huge = new('x', 10_000);
        var error = AssertRejected($"{{'filters':{{'amount':{{'conditions':{{'$is':'{huge}'}}}}}}}}", Payload, "parameters.filters.amount.conditions.$is");
        Assert.True(error.Details!.Length < 300);
    }

    [Theory]
    // The parameters object itself.
    [InlineData("[]", Payload, "parameters")]
    [InlineData("'x'", Payload, "parameters")]
    [InlineData("1", Payload, "parameters")]
    [InlineData("{'foo':1}", Payload, "parameters.foo")]
    [InlineData("{'Order':'created_at'}", Payload, "parameters.Order")]
    [InlineData("{'order':'-created_at','order':'created_at'}", Payload, "parameters.order")]
    // order
    [InlineData("{'order':'CREATED_AT'}", Payload, "parameters.order")]
    [InlineData("{'order':'created'}", Payload, "parameters.order")]
    [InlineData("{'order':''}", Payload, "parameters.order")]
    [InlineData("{'order':1}", Payload, "parameters.order")]
    [InlineData("{'order':['created_at']}", Payload, "parameters.order")]
    // fields
    [InlineData("{'fields':[]}", ExportFields, "parameters.fields")]
    [InlineData("{'fields':'id'}", ExportFields, "parameters.fields")]
    [InlineData("{'fields':{}}", ExportFields, "parameters.fields")]
    [InlineData("{'fields':['id','nope']}", ExportFields, "parameters.fields[1]")]
    [InlineData("{'fields':['ID']}", ExportFields, "parameters.fields[0]")]
    [InlineData("{'fields':['state']}", ExportFields, "parameters.fields[0]")]
    [InlineData("{'fields':['id','type','id']}", ExportFields, "parameters.fields[2]")]
    [InlineData("{'fields':[1]}", ExportFields, "parameters.fields[0]")]
    [InlineData("{'fields':['id',null]}", ExportFields, "parameters.fields[1]")]
    [InlineData("{'fields':['id'],'fields':['type']}", Payload, "parameters.fields")]
    // filters and junction
    [InlineData("{'filters':[]}", Payload, "parameters.filters")]
    [InlineData("{'filters':'voucher_id'}", Payload, "parameters.filters")]
    [InlineData("{'filters':{'junction':'xor'}}", Payload, "parameters.filters.junction")]
    [InlineData("{'filters':{'junction':''}}", Payload, "parameters.filters.junction")]
    [InlineData("{'filters':{'junction':1}}", Payload, "parameters.filters.junction")]
    [InlineData("{'filters':{'junction':['and']}}", Payload, "parameters.filters.junction")]
    [InlineData("{'filters':{'junction':'and','junction':'or'}}", Payload, "parameters.filters.junction")]
    // filter fields
    [InlineData("{'filters':{'nope':{'conditions':{'$is':'a'}}}}", Payload, "parameters.filters.nope")]
    [InlineData("{'filters':{'Voucher_id':{'conditions':{'$is':'a'}}}}", Payload, "parameters.filters.Voucher_id")]
    [InlineData("{'filters':{'status':{'conditions':{'$is':'a'}}}}", Payload, "parameters.filters.status")]
    [InlineData("{'filters':{'details':{'conditions':{'$has_value':true}}}}", Payload, "parameters.filters.details")]
    [InlineData("{'filters':{'amount':{'conditions':{'$is':1}},'amount':{'conditions':{'$is':2}}}}", Payload, "parameters.filters.amount")]
    [InlineData("{'filters':{'amount':1}}", Payload, "parameters.filters.amount")]
    [InlineData("{'filters':{'amount':null}}", Payload, "parameters.filters.amount")]
    [InlineData("{'filters':{'amount':[{'conditions':{'$is':1}}]}}", Payload, "parameters.filters.amount")]
    [InlineData("{'filters':{'amount':{}}}", Payload, "parameters.filters.amount.conditions")]
    [InlineData("{'filters':{'amount':{'conditions':{'$is':1},'foo':1}}}", Payload, "parameters.filters.amount.foo")]
    [InlineData("{'filters':{'amount':{'Conditions':{'$is':1}}}}", Payload, "parameters.filters.amount.Conditions")]
    [InlineData("{'filters':{'amount':{'conditions':{'$is':1},'conditions':{'$is':2}}}}", Payload, "parameters.filters.amount.conditions")]
    [InlineData("{'filters':{'amount':{'conditions':[]}}}", Payload, "parameters.filters.amount.conditions")]
    [InlineData("{'filters':{'amount':{'conditions':null}}}", Payload, "parameters.filters.amount.conditions")]
    [InlineData("{'filters':{'amount':{'conditions':{}}}}", Payload, "parameters.filters.amount.conditions")]
    // operators
    [InlineData("{'filters':{'amount':{'conditions':{'$foo':1}}}}", Payload, "parameters.filters.amount.conditions.$foo")]
    [InlineData("{'filters':{'amount':{'conditions':{'in':[1]}}}}", Payload, "parameters.filters.amount.conditions.in")]
    [InlineData("{'filters':{'amount':{'conditions':{'$IN':[1]}}}}", Payload, "parameters.filters.amount.conditions.$IN")]
    [InlineData("{'filters':{'amount':{'conditions':{'$is':1,'$is':2}}}}", Payload, "parameters.filters.amount.conditions.$is")]
    [InlineData("{'filters':{'amount':{'conditions':{'$contains':'1'}}}}", Payload, "parameters.filters.amount.conditions.$contains")]
    [InlineData("{'filters':{'balance':{'conditions':{'$after':'2024-01-01'}}}}", Payload, "parameters.filters.balance.conditions.$after")]
    [InlineData("{'filters':{'balance':{'conditions':{'$more_than_ago':1}}}}", Payload, "parameters.filters.balance.conditions.$more_than_ago")]
    [InlineData("{'filters':{'voucher_id':{'conditions':{'$after':'2024-01-01'}}}}", Payload, "parameters.filters.voucher_id.conditions.$after")]
    [InlineData("{'filters':{'voucher_id':{'conditions':{'$more_than':1}}}}", Payload, "parameters.filters.voucher_id.conditions.$more_than")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$in':['2024-01-01']}}}}", Payload, "parameters.filters.created_at.conditions.$in")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$is':'2024-01-01'}}}}", Payload, "parameters.filters.created_at.conditions.$is")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$contains':'2024'}}}}", Payload, "parameters.filters.created_at.conditions.$contains")]
    // text operands
    [InlineData("{'filters':{'voucher_id':{'conditions':{'$is':1}}}}", Payload, "parameters.filters.voucher_id.conditions.$is")]
    [InlineData("{'filters':{'voucher_id':{'conditions':{'$is':null}}}}", Payload, "parameters.filters.voucher_id.conditions.$is")]
    [InlineData("{'filters':{'voucher_id':{'conditions':{'$is':[null]}}}}", Payload, "parameters.filters.voucher_id.conditions.$is[0]")]
    [InlineData("{'filters':{'voucher_id':{'conditions':{'$is':['a','b']}}}}", Payload, "parameters.filters.voucher_id.conditions.$is")]
    [InlineData("{'filters':{'voucher_id':{'conditions':{'$is':[]}}}}", Payload, "parameters.filters.voucher_id.conditions.$is")]
    [InlineData("{'filters':{'voucher_id':{'conditions':{'$in':['a','b',3]}}}}", Payload, "parameters.filters.voucher_id.conditions.$in[2]")]
    [InlineData("{'filters':{'voucher_id':{'conditions':{'$in':[]}}}}", Payload, "parameters.filters.voucher_id.conditions.$in")]
    [InlineData("{'filters':{'voucher_id':{'conditions':{'$not_in':[]}}}}", Payload, "parameters.filters.voucher_id.conditions.$not_in")]
    [InlineData("{'filters':{'voucher_id':{'conditions':{'$in':[['a']]}}}}", Payload, "parameters.filters.voucher_id.conditions.$in[0]")]
    [InlineData("{'filters':{'voucher_id':{'conditions':{'$in':{'a':1}}}}}", Payload, "parameters.filters.voucher_id.conditions.$in")]
    [InlineData("{'filters':{'reason':{'conditions':{'$contains':true}}}}", Payload, "parameters.filters.reason.conditions.$contains")]
    [InlineData("{'filters':{'source':{'conditions':{'$starts_with':['a','b']}}}}", Payload, "parameters.filters.source.conditions.$starts_with")]
    [InlineData("{'filters':{'source':{'conditions':{'$ends_with':[1]}}}}", Payload, "parameters.filters.source.conditions.$ends_with[0]")]
    [InlineData("{'filters':{'id':{'conditions':{'$not_contain':null}}}}", Payload, "parameters.filters.id.conditions.$not_contain")]
    // number operands
    [InlineData("{'filters':{'amount':{'conditions':{'$more_than':1.5}}}}", Payload, "parameters.filters.amount.conditions.$more_than")]
    [InlineData("{'filters':{'amount':{'conditions':{'$more_than':1.0}}}}", Payload, "parameters.filters.amount.conditions.$more_than")]
    [InlineData("{'filters':{'amount':{'conditions':{'$more_than':'1.5'}}}}", Payload, "parameters.filters.amount.conditions.$more_than")]
    [InlineData("{'filters':{'amount':{'conditions':{'$more_than':1e3}}}}", Payload, "parameters.filters.amount.conditions.$more_than")]
    [InlineData("{'filters':{'amount':{'conditions':{'$less_than':'abc'}}}}", Payload, "parameters.filters.amount.conditions.$less_than")]
    [InlineData("{'filters':{'amount':{'conditions':{'$less_than':''}}}}", Payload, "parameters.filters.amount.conditions.$less_than")]
    [InlineData("{'filters':{'amount':{'conditions':{'$less_than':' 5'}}}}", Payload, "parameters.filters.amount.conditions.$less_than")]
    [InlineData("{'filters':{'amount':{'conditions':{'$less_than':'1,000'}}}}", Payload, "parameters.filters.amount.conditions.$less_than")]
    [InlineData("{'filters':{'amount':{'conditions':{'$is':9223372036854775808}}}}", Payload, "parameters.filters.amount.conditions.$is")]
    [InlineData("{'filters':{'amount':{'conditions':{'$is':true}}}}", Payload, "parameters.filters.amount.conditions.$is")]
    [InlineData("{'filters':{'amount':{'conditions':{'$is':null}}}}", Payload, "parameters.filters.amount.conditions.$is")]
    [InlineData("{'filters':{'amount':{'conditions':{'$is':[1,2]}}}}", Payload, "parameters.filters.amount.conditions.$is")]
    [InlineData("{'filters':{'balance':{'conditions':{'$in':[1,2,'x']}}}}", Payload, "parameters.filters.balance.conditions.$in[2]")]
    [InlineData("{'filters':{'balance':{'conditions':{'$not_in':[0.5]}}}}", Payload, "parameters.filters.balance.conditions.$not_in[0]")]
    [InlineData("{'filters':{'balance':{'conditions':{'$in':[]}}}}", Payload, "parameters.filters.balance.conditions.$in")]
    // day counts
    [InlineData("{'filters':{'created_at':{'conditions':{'$more_than':-1}}}}", Payload, "parameters.filters.created_at.conditions.$more_than")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$more_than':'-1'}}}}", Payload, "parameters.filters.created_at.conditions.$more_than")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$less_than_ago':1.5}}}}", Payload, "parameters.filters.created_at.conditions.$less_than_ago")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$is_days_ago':3650001}}}}", Payload, "parameters.filters.created_at.conditions.$is_days_ago")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$is_days_in_future':'2024-01-01'}}}}", Payload, "parameters.filters.created_at.conditions.$is_days_in_future")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$more_than_future':[1,2]}}}}", Payload, "parameters.filters.created_at.conditions.$more_than_future")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$less_than_future':['x']}}}}", Payload, "parameters.filters.created_at.conditions.$less_than_future[0]")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$less_than':null}}}}", Payload, "parameters.filters.created_at.conditions.$less_than")]
    // instants
    [InlineData("{'filters':{'created_at':{'conditions':{'$after':['yesterday']}}}}", Payload, "parameters.filters.created_at.conditions.$after[0]")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$after':5}}}}", Payload, "parameters.filters.created_at.conditions.$after")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$after':['2024-01-01','2024-01-02']}}}}", Payload, "parameters.filters.created_at.conditions.$after")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$before':'2023-13-01T00:00:00Z'}}}}", Payload, "parameters.filters.created_at.conditions.$before")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$before':'2023-05-16T08:30:21.Z'}}}}", Payload, "parameters.filters.created_at.conditions.$before")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$before':'2023-05-16T24:00:00Z'}}}}", Payload, "parameters.filters.created_at.conditions.$before")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$more_than_equal':'5/16/2023'}}}}", Payload, "parameters.filters.created_at.conditions.$more_than_equal")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$less_than_equal':'2023-05-16 08:30:21Z'}}}}", Payload, "parameters.filters.created_at.conditions.$less_than_equal")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$less_than_equal':' 2023-05-16'}}}}", Payload, "parameters.filters.created_at.conditions.$less_than_equal")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$less_than_equal':''}}}}", Payload, "parameters.filters.created_at.conditions.$less_than_equal")]
    [InlineData("{'filters':{'created_at':{'conditions':{'$after':'2024-01-01','$after':'2024-01-02'}}}}", Payload, "parameters.filters.created_at.conditions.$after")]
    // the first problem wins, in document order
    [InlineData("{'filters':{'nope':1},'order':'x'}", Payload, "parameters.filters.nope")]
    [InlineData("{'order':'x','filters':{'nope':1}}", Payload, "parameters.order")]
    public void BadInputIsRejectedWithItsPath(string json, string key, string path) => AssertRejected(json, key, path);
}

using System.Collections.Immutable;
using VoucherExport.Parameters;
using VoucherExport.Transactions;
using static VoucherExport.Tests.Parameters.ParametersTestData;

namespace VoucherExport.Tests.Parameters;

public class FilterCompilerTests
{
    // Reason is a text field like any other; the field-dispatch test below covers the rest.
    [Theory]
    [InlineData("'$is':'abc'", "abc", true)]
    [InlineData("'$is':['abc']", "abc", true)]
    [InlineData("'$is':'abc'", "ABC", false)]
    [InlineData("'$is':'abc'", "abcd", false)]
    [InlineData("'$is':'abc'", "", false)]
    [InlineData("'$is':'abc'", null, false)]
    [InlineData("'$is':''", "", true)]
    [InlineData("'$is':''", null, false)]
    [InlineData("'$is_not':'abc'", "abc", false)]
    [InlineData("'$is_not':['abc']", "abc", false)]
    [InlineData("'$is_not':'abc'", "x", true)]
    [InlineData("'$is_not':'abc'", "", true)]
    [InlineData("'$is_not':'abc'", null, true)]
    [InlineData("'$is_not':''", "", false)]
    [InlineData("'$in':['a','abc']", "abc", true)]
    [InlineData("'$in':['a','abc']", "a", true)]
    [InlineData("'$in':['a','abc']", "ab", false)]
    [InlineData("'$in':['a','abc']", "A", false)]
    [InlineData("'$in':['a','abc']", null, false)]
    [InlineData("'$in':['a','abc','a']", "a", true)]
    [InlineData("'$in':'abc'", "abc", true)]
    [InlineData("'$in':['abc']", "abc", true)]
    [InlineData("'$in':['abc','abc']", "x", false)]
    [InlineData("'$in':['']", "", true)]
    [InlineData("'$in':['']", null, false)]
    [InlineData("'$not_in':['a','abc']", "abc", false)]
    [InlineData("'$not_in':['a','abc']", "b", true)]
    [InlineData("'$not_in':['a','abc']", "", true)]
    [InlineData("'$not_in':['a','abc']", null, true)]
    [InlineData("'$not_in':'abc'", "abc", false)]
    [InlineData("'$not_in':'abc'", null, true)]
    [InlineData("'$contains':'b'", "abc", true)]
    [InlineData("'$contains':['bc']", "abc", true)]
    [InlineData("'$contains':'B'", "abc", false)]
    [InlineData("'$contains':'b'", "", false)]
    [InlineData("'$contains':'b'", null, false)]
    [InlineData("'$contains':''", "", true)]
    [InlineData("'$contains':''", null, false)]
    [InlineData("'$not_contain':'b'", "abc", false)]
    [InlineData("'$not_contain':['b']", "xyz", true)]
    [InlineData("'$not_contain':'b'", "", true)]
    [InlineData("'$not_contain':'b'", null, true)]
    [InlineData("'$not_contain':''", "abc", false)]
    [InlineData("'$starts_with':'ab'", "abc", true)]
    [InlineData("'$starts_with':['ab']", "ab", true)]
    [InlineData("'$starts_with':'ab'", "cab", false)]
    [InlineData("'$starts_with':'ab'", "ABc", false)]
    [InlineData("'$starts_with':'ab'", null, false)]
    [InlineData("'$starts_with':''", "", true)]
    [InlineData("'$ends_with':'bc'", "abc", true)]
    [InlineData("'$ends_with':['bc']", "bc", true)]
    [InlineData("'$ends_with':'bc'", "bca", false)]
    [InlineData("'$ends_with':'bc'", "aBC", false)]
    [InlineData("'$ends_with':'bc'", null, false)]
    [InlineData("'$has_value':true", "x", true)]
    [InlineData("'$has_value':''", "", true)]
    [InlineData("'$has_value':true", null, false)]
    [InlineData("'$is_unknown':true", null, true)]
    [InlineData("'$is_unknown':''", "", false)]
    [InlineData("'$is_unknown':true", "x", false)]
    [InlineData("'$starts_with':'a','$ends_with':'c'", "abc", true)]
    [InlineData("'$starts_with':'a','$ends_with':'c'", "abd", false)]
    [InlineData("'$in':['abc','abd'],'$not_in':['abd']", "abd", false)]
    [InlineData("'$in':['abc','abd'],'$not_in':['abd']", "abc", true)]
    [InlineData("'$contains':'é'", "café", true)]
    [InlineData("'$is':'e\u0301'", "é", false)]
    public void TextOperators(string conditions, string? reason, bool expected)
        => Assert.Equal(expected, Matches($"{{'reason':{{'conditions':{{{conditions}}}}}}}", Tx(reason: reason)));

    [Theory]
    [InlineData("'$is':5", 5L, true)]
    [InlineData("'$is':[5]", 5L, true)]
    [InlineData("'$is':'5'", 5L, true)]
    [InlineData("'$is':5", -5L, false)]
    [InlineData("'$is':5", null, false)]
    [InlineData("'$is':-5", -5L, true)]
    [InlineData("'$is':['-5']", -5L, true)]
    [InlineData("'$is':0", null, false)]
    [InlineData("'$is_not':5", 5L, false)]
    [InlineData("'$is_not':[5]", 4L, true)]
    [InlineData("'$is_not':5", null, true)]
    [InlineData("'$is_not':0", null, true)]
    [InlineData("'$in':[1,-2]", -2L, true)]
    [InlineData("'$in':[1,'-2']", 1L, true)]
    [InlineData("'$in':[1,-2]", 3L, false)]
    [InlineData("'$in':[1,-2]", null, false)]
    [InlineData("'$in':7", 7L, true)]
    [InlineData("'$in':[7,7]", 7L, true)]
    [InlineData("'$in':[7,7]", 8L, false)]
    [InlineData("'$not_in':[1,-2]", 1L, false)]
    [InlineData("'$not_in':[1,-2]", 3L, true)]
    [InlineData("'$not_in':[1,-2]", null, true)]
    [InlineData("'$not_in':'1'", 1L, false)]
    [InlineData("'$not_in':[1]", null, true)]
    [InlineData("'$more_than':-1", 0L, true)]
    [InlineData("'$more_than':[-1]", -1L, false)]
    [InlineData("'$more_than':-1", -2L, false)]
    [InlineData("'$more_than':-1", null, false)]
    [InlineData("'$more_than':9223372036854775807", long.MaxValue, false)]
    [InlineData("'$more_than':-9223372036854775808", long.MinValue, false)]
    [InlineData("'$more_than':-9223372036854775808", long.MaxValue, true)]
    [InlineData("'$less_than':0", -1L, true)]
    [InlineData("'$less_than':['0']", 0L, false)]
    [InlineData("'$less_than':0", null, false)]
    [InlineData("'$less_than':-9223372036854775808", long.MinValue, false)]
    [InlineData("'$less_than':9223372036854775807", long.MinValue, true)]
    [InlineData("'$more_than_equal':0", 0L, true)]
    [InlineData("'$more_than_equal':0", -1L, false)]
    [InlineData("'$more_than_equal':0", null, false)]
    [InlineData("'$more_than_equal':9223372036854775807", long.MaxValue, true)]
    [InlineData("'$less_than_equal':0", 0L, true)]
    [InlineData("'$less_than_equal':[0]", 1L, false)]
    [InlineData("'$less_than_equal':0", null, false)]
    [InlineData("'$less_than_equal':-9223372036854775808", long.MinValue, true)]
    [InlineData("'$has_value':true", 0L, true)]
    [InlineData("'$has_value':true", null, false)]
    [InlineData("'$is_unknown':true", null, true)]
    [InlineData("'$is_unknown':true", 0L, false)]
    [InlineData("'$more_than_equal':-10,'$less_than':0", -10L, true)]
    [InlineData("'$more_than_equal':-10,'$less_than':0", 0L, false)]
    [InlineData("'$more_than_equal':-10,'$less_than':0", null, false)]
    [InlineData("'$more_than':5,'$less_than':5", 5L, false)]
    public void NumberOperators(string conditions, long? amount, bool expected)
    {
        Assert.Equal(expected, Matches($"{{'amount':{{'conditions':{{{conditions}}}}}}}", Tx(amount: amount)));
        Assert.Equal(expected, Matches($"{{'balance':{{'conditions':{{{conditions}}}}}}}", Tx(balance: amount)));
    }

    [Fact]
    public void AmountAndBalanceAreReadFromTheirOwnProperty()
    {
        Assert.True(Matches("{'amount':{'conditions':{'$is':1}}}", Tx(amount: 1, balance: 2)));
        Assert.False(Matches("{'amount':{'conditions':{'$is':2}}}", Tx(amount: 1, balance: 2)));
        Assert.True(Matches("{'balance':{'conditions':{'$is':2}}}", Tx(amount: 1, balance: 2)));
        Assert.False(Matches("{'balance':{'conditions':{'$is':1}}}", Tx(amount: 1, balance: 2)));
    }

    [Fact]
    public void EachTextFieldIsReadFromItsOwnProperty()
    {
        var transaction = Tx(
            id: "f_id", type: "f_type", sourceId: "f_source_id", voucherId: "f_voucher_id", campaignId: "f_campaign_id",
            source: "f_source", reason: "f_reason", relatedTransactionId: "f_related_transaction_id");
        var textFields = TransactionFields.All.Where(f => TransactionFields.Kind(f) == FieldKind.Text && TransactionFields.IsFilterable(f)).ToList();
        Assert.Equal(8, textFields.Count);
        foreach (var field in textFields)
        {
            foreach (var other in textFields)
            {
                string name = TransactionFields.Name(field);
                bool matches = Matches($"{{'{name}':{{'conditions':{{'$is':'f_{TransactionFields.Name(other)}'}}}}}}", transaction);
                Assert.Equal(field == other, matches);
            }
        }
    }

    // Now is 2024-03-15T10:30:00Z.
    [Theory]
    [InlineData("'$after':'2024-03-15T10:30:00Z'", "2024-03-15T10:30:00.000Z", false)]
    [InlineData("'$after':['2024-03-15T10:30:00Z']", "2024-03-15T10:30:00.001Z", true)]
    [InlineData("'$after':'2024-03-15T10:30:00Z'", "2024-03-15T10:29:59.999Z", false)]
    [InlineData("'$after':'2024-03-15T12:30:00+02:00'", "2024-03-15T10:30:00.001Z", true)]
    [InlineData("'$after':'2024-03-15T12:30:00+02:00'", "2024-03-15T10:30:00.000Z", false)]
    [InlineData("'$before':'2024-03-15T10:30:00Z'", "2024-03-15T10:30:00.000Z", false)]
    [InlineData("'$before':['2024-03-15T10:30:00Z']", "2024-03-15T10:29:59.999Z", true)]
    [InlineData("'$before':'2024-03-15'", "2024-03-14T23:59:59.999Z", true)]
    [InlineData("'$before':'2024-03-15'", "2024-03-15T00:00:00.000Z", false)]
    [InlineData("'$more_than_equal':'2024-03-15T10:30:00Z'", "2024-03-15T10:30:00.000Z", true)]
    [InlineData("'$more_than_equal':['2024-03-15T10:30:00Z']", "2024-03-15T10:29:59.999Z", false)]
    [InlineData("'$less_than_equal':'2024-03-15T10:30:00Z'", "2024-03-15T10:30:00.000Z", true)]
    [InlineData("'$less_than_equal':['2024-03-15T10:30:00Z']", "2024-03-15T10:30:00.001Z", false)]
    [InlineData("'$after':'2024-03-01','$before':'2024-04-01'", "2024-03-15T10:30:00.000Z", true)]
    [InlineData("'$after':'2024-03-01','$before':'2024-04-01'", "2024-04-01T00:00:00.000Z", false)]
    [InlineData("'$after':'2024-04-01','$before':'2024-03-01'", "2024-03-15T10:30:00.000Z", false)]
    [InlineData("'$has_value':true", "2024-03-15T10:30:00.000Z", true)]
    [InlineData("'$is_unknown':true", "2024-03-15T10:30:00.000Z", false)]
    [InlineData("'$more_than':1", "2024-03-14T10:29:59.999Z", true)]
    [InlineData("'$more_than':[1]", "2024-03-14T10:30:00.000Z", false)]
    [InlineData("'$more_than':'1'", "2024-03-15T10:30:00.000Z", false)]
    [InlineData("'$more_than':0", "2024-03-15T10:29:59.999Z", true)]
    [InlineData("'$more_than':0", "2024-03-15T10:30:00.000Z", false)]
    [InlineData("'$more_than_ago':1", "2024-03-14T10:29:59.999Z", true)]
    [InlineData("'$more_than_ago':['1']", "2024-03-14T10:30:00.000Z", false)]
    [InlineData("'$less_than':1", "2024-03-14T10:30:00.000Z", false)]
    [InlineData("'$less_than':[1]", "2024-03-14T10:30:00.001Z", true)]
    [InlineData("'$less_than':1", "2024-03-15T10:30:00.000Z", true)]
    [InlineData("'$less_than':'1'", "2024-03-15T10:30:00.001Z", false)]
    [InlineData("'$less_than':0", "2024-03-15T10:30:00.000Z", false)]
    [InlineData("'$less_than_ago':1", "2024-03-14T10:30:00.000Z", false)]
    [InlineData("'$less_than_ago':1", "2024-03-14T10:30:00.001Z", true)]
    [InlineData("'$less_than_ago':1", "2024-03-15T10:30:00.000Z", true)]
    [InlineData("'$less_than_ago':1", "2024-03-16T10:30:00.000Z", false)]
    [InlineData("'$more_than_future':1", "2024-03-16T10:30:00.000Z", false)]
    [InlineData("'$more_than_future':[1]", "2024-03-16T10:30:00.001Z", true)]
    [InlineData("'$more_than_future':0", "2024-03-15T10:30:00.001Z", true)]
    [InlineData("'$more_than_future':0", "2024-03-15T10:30:00.000Z", false)]
    [InlineData("'$less_than_future':1", "2024-03-15T10:30:00.000Z", true)]
    [InlineData("'$less_than_future':1", "2024-03-15T10:29:59.999Z", false)]
    [InlineData("'$less_than_future':['1']", "2024-03-16T10:29:59.999Z", true)]
    [InlineData("'$less_than_future':1", "2024-03-16T10:30:00.000Z", false)]
    [InlineData("'$less_than_future':0", "2024-03-15T10:30:00.000Z", false)]
    [InlineData("'$is_days_ago':1", "2024-03-14T00:00:00.000Z", true)]
    [InlineData("'$is_days_ago':[1]", "2024-03-14T23:59:59.999Z", true)]
    [InlineData("'$is_days_ago':1", "2024-03-15T00:00:00.000Z", false)]
    [InlineData("'$is_days_ago':'1'", "2024-03-13T23:59:59.999Z", false)]
    [InlineData("'$is_days_ago':0", "2024-03-15T00:00:00.000Z", true)]
    [InlineData("'$is_days_ago':0", "2024-03-15T23:59:59.999Z", true)]
    [InlineData("'$is_days_ago':0", "2024-03-16T00:00:00.000Z", false)]
    [InlineData("'$is_days_ago':15", "2024-02-29T12:00:00.000Z", true)]
    [InlineData("'$is_days_in_future':2", "2024-03-17T00:00:00.000Z", true)]
    [InlineData("'$is_days_in_future':[2]", "2024-03-17T23:59:59.999Z", true)]
    [InlineData("'$is_days_in_future':2", "2024-03-16T23:59:59.999Z", false)]
    [InlineData("'$is_days_in_future':'2'", "2024-03-18T00:00:00.000Z", false)]
    [InlineData("'$is_days_in_future':0", "2024-03-15T01:00:00.000Z", true)]
    [InlineData("'$is_days_in_future':0", "2024-03-16T02:00:00.000+05:00", true)]
    [InlineData("'$is_days_ago':1", "2024-03-15T02:00:00.000+05:00", true)]
    [InlineData("'$more_than_ago':1,'$less_than_ago':3", "2024-03-13T10:30:00.000Z", true)]
    [InlineData("'$more_than_ago':1,'$less_than_ago':3", "2024-03-12T10:30:00.000Z", false)]
    [InlineData("'$more_than_ago':3,'$less_than_ago':1", "2024-03-13T10:30:00.000Z", false)]
    [InlineData("'$is_days_ago':3650000", "2024-03-15T10:30:00.000Z", false)]
    [InlineData("'$more_than_ago':3650000", "0001-01-01T00:00:00.000Z", false)]
    [InlineData("'$less_than_ago':3650000", "0001-01-01T00:00:00.000Z", true)]
    [InlineData("'$more_than_future':3650000", "9999-12-31T23:59:59.999Z", false)]
    [InlineData("'$less_than_future':3650000", "9999-12-31T23:59:59.999Z", true)]
    public void DateOperators(string conditions, string createdAt, bool expected)
    {
        var created = DateTimeOffset.Parse(createdAt, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected, Matches($"{{'created_at':{{'conditions':{{{conditions}}}}}}}", Tx(createdAt: created)));
    }

    [Fact]
    public void TheClockIsReadAsAnInstantWhateverItsOffset()
    {
        var filters = Filters("{'created_at':{'conditions':{'$is_days_ago':0}}}");
        var inKarachi = Now.ToOffset(TimeSpan.FromHours(5)); // already 15:30 on the same UTC day
        var lateInTokyo = new DateTimeOffset(2024, 3, 16, 1, 0, 0, TimeSpan.FromHours(9)); // still the 15th in UTC
        var predicate = FilterCompiler.Compile(filters, inKarachi);
        Assert.True(predicate.Matches(Tx(createdAt: new DateTimeOffset(2024, 3, 15, 0, 0, 0, TimeSpan.Zero))));
        Assert.True(FilterCompiler.Compile(filters, lateInTokyo).Matches(Tx(createdAt: new DateTimeOffset(2024, 3, 15, 23, 0, 0, TimeSpan.Zero))));
        Assert.False(FilterCompiler.Compile(filters, lateInTokyo).Matches(Tx(createdAt: new DateTimeOffset(2024, 3, 16, 0, 30, 0, TimeSpan.Zero))));
    }

    [Fact]
    public void RelativeDatesFollowTheInjectedClock()
    {
        var filters = Filters("{'created_at':{'conditions':{'$less_than_ago':1}}}");
        var created = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.True(FilterCompiler.Compile(filters, created.AddHours(23)).Matches(Tx(createdAt: created)));
        Assert.False(FilterCompiler.Compile(filters, created.AddHours(24)).Matches(Tx(createdAt: created)));
    }

    [Theory]
    [InlineData(null, true, false, false, false)]
    [InlineData("and", true, false, false, false)]
    [InlineData("AND", true, false, false, false)]
    [InlineData("or", true, true, true, false)]
    [InlineData("Or", true, true, true, false)]
    public void TheJunctionJoinsClauses(string? junction, bool both, bool onlyVoucher, bool onlyAmount, bool neither)
    {
        string prefix = junction is null ? string.Empty : $"'junction':'{junction}',";
        string filters = $"{{{prefix}'voucher_id':{{'conditions':{{'$is':'v_1'}}}},'amount':{{'conditions':{{'$more_than':0}}}}}}";
        Assert.Equal(both, Matches(filters, Tx(voucherId: "v_1", amount: 1)));
        Assert.Equal(onlyVoucher, Matches(filters, Tx(voucherId: "v_1", amount: 0)));
        Assert.Equal(onlyAmount, Matches(filters, Tx(voucherId: "v_2", amount: 1)));
        Assert.Equal(neither, Matches(filters, Tx(voucherId: null, amount: null)));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{'junction':'and'}")]
    [InlineData("{'junction':'or'}")]
    public void AFilterSetWithoutClausesMatchesEverything(string filters)
    {
        Assert.True(Matches(filters, Tx()));
        Assert.True(Matches(filters, Tx(amount: -1, reason: "")));
    }

    [Fact]
    public void NoFiltersMatchEverything()
    {
        Assert.True(FilterCompiler.Compile(null, Now).Matches(Tx()));
        Assert.True(FilterCompiler.Compile(new FilterSet(FilterJunction.Or, default), Now).Matches(Tx()));
    }

    [Fact]
    public void AnOrOfImpossibleClausesMatchesNothing()
    {
        var filters = Filters("{'junction':'or','created_at':{'conditions':{'$is_unknown':true}},'amount':{'conditions':{'$more_than':9223372036854775807}}}");
        Assert.False(FilterCompiler.Compile(filters, Now).Matches(Tx(amount: long.MaxValue)));
    }

    [Fact]
    public void AnOrWithAClauseThatAlwaysHoldsMatchesEverything()
    {
        var filters = Filters("{'junction':'or','created_at':{'conditions':{'$has_value':true}},'amount':{'conditions':{'$is':1}}}");
        Assert.True(FilterCompiler.Compile(filters, Now).Matches(Tx(amount: 2)));
    }

    [Fact]
    public void AnInListOfManyValuesMatchesExactly()
    {
        var ids = Enumerable.Range(0, 500).Select(i => $"v_{i}").ToList();
        string list = string.Join(",", ids.Select(i => $"'{i}'"));
        var predicate = FilterCompiler.Compile(Filters($"{{'voucher_id':{{'conditions':{{'$in':[{list}]}}}}}}"), Now);
        Assert.All(ids, id => Assert.True(predicate.Matches(Tx(voucherId: id))));
        Assert.False(predicate.Matches(Tx(voucherId: "v_500")));
        Assert.False(predicate.Matches(Tx(voucherId: "V_1")));
        Assert.False(predicate.Matches(Tx()));
        var amounts = FilterCompiler.Compile(Filters($"{{'amount':{{'conditions':{{'$not_in':[{string.Join(",", Enumerable.Range(-250, 500))}]}}}}}}"), Now);
        Assert.False(amounts.Matches(Tx(amount: -250)));
        Assert.True(amounts.Matches(Tx(amount: 250)));
        Assert.True(amounts.Matches(Tx()));
    }

    [Fact]
    public void FiltersBuiltInCodeAreCheckedBeforeCompiling()
    {
        static FilterSet One(TransactionField field, FilterOperator op, params FilterValue[] values)
            => new(FilterJunction.And, [new FieldFilter(field, [new FilterCondition(op, [.. values])])]);

        Assert.Throws<ArgumentException>(() => FilterCompiler.Compile(One(TransactionField.Amount, FilterOperator.Contains, FilterValue.OfText("1")), Now));
        Assert.Throws<ArgumentException>(() => FilterCompiler.Compile(One(TransactionField.Details, FilterOperator.HasValue), Now));
        Assert.Throws<ArgumentException>(() => FilterCompiler.Compile(One(TransactionField.Reason, FilterOperator.Is), Now));
        Assert.Throws<ArgumentException>(() => FilterCompiler.Compile(One(TransactionField.Reason, FilterOperator.Is, FilterValue.OfText("a"), FilterValue.OfText("b")), Now));
        Assert.Throws<ArgumentException>(() => FilterCompiler.Compile(One(TransactionField.Reason, FilterOperator.In, FilterValue.OfNumber(1)), Now));
        Assert.Throws<ArgumentException>(() => FilterCompiler.Compile(One(TransactionField.CreatedAt, FilterOperator.IsDaysAgo, FilterValue.OfNumber(-1)), Now));
        Assert.Throws<ArgumentException>(() => FilterCompiler.Compile(One(TransactionField.CreatedAt, FilterOperator.IsDaysAgo, FilterValue.OfNumber(long.MaxValue)), Now));
        var empty = new FilterSet(FilterJunction.And, [new FieldFilter(TransactionField.Amount, default)]);
        Assert.True(FilterCompiler.Compile(empty, Now).Matches(Tx()));
    }

    [Fact]
    public void ClausesOfTheSameFieldBuiltInCodeCombineByTheJunction()
    {
        var isOne = new FieldFilter(TransactionField.Amount, [new FilterCondition(FilterOperator.Is, [FilterValue.OfNumber(1)])]);
        var isTwo = new FieldFilter(TransactionField.Amount, [new FilterCondition(FilterOperator.Is, [FilterValue.OfNumber(2)])]);
        Assert.True(FilterCompiler.Compile(new FilterSet(FilterJunction.Or, [isOne, isTwo]), Now).Matches(Tx(amount: 2)));
        Assert.False(FilterCompiler.Compile(new FilterSet(FilterJunction.And, [isOne, isTwo]), Now).Matches(Tx(amount: 2)));
    }

    [Fact]
    public void ACompiledFilterCanBeSharedAcrossThreads()
    {
        var predicate = FilterCompiler.Compile(Filters("{'voucher_id':{'conditions':{'$in':['a','b','c']}},'created_at':{'conditions':{'$less_than_ago':2}}}"), Now);
        var rows = Enumerable.Range(0, 10_000).Select(i => Tx(voucherId: ((char)('a' + (i % 5))).ToString(), createdAt: Now.AddHours(-(i % 72)))).ToArray();
        int expected = rows.Count(predicate.Matches);
        var counts = new int[4];
        Parallel.For(0, counts.Length, i => counts[i] = rows.Count(predicate.Matches));
        Assert.All(counts, c => Assert.Equal(expected, c));
        Assert.True(expected > 0 && expected < rows.Length);
    }

    [Fact]
    public async Task ResolvingCodesOfNoFiltersGivesNull()
        => Assert.Null(await FilterCompiler.ResolveVoucherCodesAsync(null, Directory()));

    [Fact]
    public async Task CodesInEqualityOperandsAreResolvedToIds()
    {
        var filters = Filters("{'voucher_id':{'conditions':{'$in':['CODE1','v_2','unknown'],'$not_in':'CODE2','$is':['CODE1'],'$is_not':'CODE3'}}}");
        var resolved = await FilterCompiler.ResolveVoucherCodesAsync(filters, Directory());
        Assert.NotSame(filters, resolved);
        var conditions = resolved!.Clauses[0].Conditions;
        Assert.Equal(["v_1", "v_2", "unknown"], conditions[0].Values.Select(v => v.Text));
        Assert.Equal(["v_2"], conditions[1].Values.Select(v => v.Text));
        Assert.Equal(["v_1"], conditions[2].Values.Select(v => v.Text));
        Assert.Equal(["CODE3"], conditions[3].Values.Select(v => v.Text));
        Assert.True(FilterCompiler.Compile(resolved, Now).Matches(Tx(voucherId: "v_1")));
        Assert.False(FilterCompiler.Compile(filters, Now).Matches(Tx(voucherId: "v_1")));
    }

    [Theory]
    [InlineData("{'voucher_id':{'conditions':{'$in':['v_1','v_2','unknown']}}}")]
    [InlineData("{'voucher_id':{'conditions':{'$contains':'CODE1','$starts_with':'CODE1','$ends_with':'CODE2','$has_value':true}}}")]
    [InlineData("{'campaign_id':{'conditions':{'$is':'CODE1'}},'source_id':{'conditions':{'$in':['CODE2']}}}")]
    [InlineData("{'junction':'or'}")]
    public async Task FiltersWithNothingToResolveAreReturnedAsIs(string json)
    {
        var filters = Filters(json);
        Assert.Same(filters, await FilterCompiler.ResolveVoucherCodesAsync(filters, Directory()));
    }

    [Fact]
    public async Task ResolvingLeavesOtherClausesAndTheJunctionAlone()
    {
        var filters = Filters("{'junction':'or','amount':{'conditions':{'$is':1}},'voucher_id':{'conditions':{'$is':'CODE2'}}}");
        var resolved = (await FilterCompiler.ResolveVoucherCodesAsync(filters, Directory()))!;
        Assert.Equal(FilterJunction.Or, resolved.Junction);
        Assert.Same(filters.Clauses[0], resolved.Clauses[0]);
        Assert.Equal("v_2", resolved.Clauses[1].Conditions[0].Values[0].Text);
    }

    private static InMemoryVoucherDirectory Directory() => new(
    [
        new VoucherInfo("v_1", "CODE1", "camp_1", "GIFT_VOUCHER"),
        new VoucherInfo("v_2", "CODE2", "camp_1", "LOYALTY_CARD"),
    ]);
}

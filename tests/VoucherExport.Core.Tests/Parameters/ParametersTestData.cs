using System.Text;
using System.Text.Json;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Parameters;

/// <summary>Builders and assertions shared by the parameter tests.</summary>
internal static class ParametersTestData
{
    /// <summary>The clock reading of every filter test: mid-morning, so "days ago" and "less than N days" differ.</summary>
    public static readonly DateTimeOffset Now = new(2024, 3, 15, 10, 30, 0, TimeSpan.Zero);

    /// <summary>A transaction with every optional field null unless given.</summary>
    public static VoucherTransaction Tx(
        string id = "vtx_1",
        string type = "CREDITS_REDEMPTION",
        string? sourceId = null,
        string? voucherId = null,
        string? campaignId = null,
        string? source = null,
        string? reason = null,
        string? relatedTransactionId = null,
        DateTimeOffset? createdAt = null,
        long? amount = null,
        long? balance = null) => new()
        {
            Id = id,
            Type = type,
            SourceId = sourceId,
            VoucherId = voucherId,
            CampaignId = campaignId,
            Source = source,
            Reason = reason,
            RelatedTransactionId = relatedTransactionId,
            CreatedAt = createdAt ?? Now,
            Amount = amount,
            Balance = balance,
        };

    /// <summary>Lets tests write JSON with single quotes: <c>{'a':1}</c>.</summary>
    public static string J(string singleQuoted) => singleQuoted.Replace('\'', '"');

    /// <summary>Parses a <c>parameters</c> object written with single quotes.</summary>
    public static ExportParameters Parse(string singleQuotedJson)
        => ExportParametersParser.Parse(Encoding.UTF8.GetBytes(J(singleQuotedJson)));

    /// <summary>Parses a <c>filters</c> object written with single quotes.</summary>
    public static FilterSet Filters(string singleQuotedFilters)
        => Parse($"{{'filters':{singleQuotedFilters}}}").Filters!;

    /// <summary>Whether the compiled filter matches <paramref name="transaction"/> at <see cref="Now"/>.</summary>
    public static bool Matches(string singleQuotedFilters, VoucherTransaction transaction)
        => FilterCompiler.Compile(Filters(singleQuotedFilters), Now).Matches(transaction);

    /// <summary>Asserts that parsing fails with <paramref name="key"/> at exactly <paramref name="path"/>.</summary>
    public static VoucherifyError AssertRejected(string singleQuotedJson, string key, string path)
    {
        var ex = Assert.Throws<ExportValidationException>(() => Parse(singleQuotedJson));
        Assert.Equal(400, ex.Error.Code);
        Assert.Equal(key, ex.Error.Key);
        Assert.NotNull(ex.Error.Details);
        Assert.StartsWith(path + ": ", ex.Error.Details, StringComparison.Ordinal);
        return ex.Error;
    }

    /// <summary>Writes parameters with <see cref="ExportParametersJson"/>.</summary>
    public static string Write(ExportParameters parameters)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            ExportParametersJson.Write(writer, parameters);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// Semantic equality: records holding <see cref="System.Collections.Immutable.ImmutableArray{T}"/> compare
    /// those by reference, so the generated record equality is no use here.
    /// </summary>
    public static bool SameParameters(ExportParameters a, ExportParameters b)
        => a.Order == b.Order && a.Fields.SequenceEqual(b.Fields) && SameFilters(a.Filters, b.Filters);

    /// <summary>
    /// Semantic equality of filter sets (instants compare as instants, whatever their offset; no filters and an empty
    /// <c>and</c> set, which the echo writes for them, both match everything).
    /// </summary>
    public static bool SameFilters(FilterSet? a, FilterSet? b)
    {
        a ??= new FilterSet(FilterJunction.And, []);
        b ??= new FilterSet(FilterJunction.And, []);

        return a.Junction == b.Junction
            && a.Clauses.Length == b.Clauses.Length
            && a.Clauses.Zip(b.Clauses).All(p =>
                p.First.Field == p.Second.Field
                && p.First.Conditions.Length == p.Second.Conditions.Length
                && p.First.Conditions.Zip(p.Second.Conditions).All(c =>
                    c.First.Operator == c.Second.Operator && c.First.Values.SequenceEqual(c.Second.Values)));
    }
}

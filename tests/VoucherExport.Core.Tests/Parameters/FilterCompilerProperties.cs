using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Parameters;

namespace VoucherExport.Tests.Parameters;

public class FilterCompilerProperties
{
    [Property(MaxTest = 300)]
    public Property CompiledFiltersAgreeWithTheReference()
        => Prop.ForAll(FilterGenerators.Cases.ToArbitrary(), c =>
        {
            var filters = FilterGenerators.ParseFilters(c.FiltersJson);
            var predicate = FilterCompiler.Compile(filters, c.Now);
            return c.Rows.All(row => predicate.Matches(row) == ReferenceFilter.Matches(filters, row, c.Now));
        });

    [Property(MaxTest = 300)]
    public Property WrittenParametersReadBackTheSame()
        => Prop.ForAll(FilterGenerators.ParametersJson.ToArbitrary(), json =>
        {
            var parsed = ExportParametersParser.Parse(System.Text.Encoding.UTF8.GetBytes(json));
            string written = ParametersTestData.Write(parsed);
            var reparsed = ExportParametersParser.Parse(System.Text.Encoding.UTF8.GetBytes(written));
            return ParametersTestData.SameParameters(parsed, reparsed) && written == ParametersTestData.Write(reparsed);
        });

    [Property(MaxTest = 300)]
    public Property ResolvingUnknownCodesChangesNothing()
        => Prop.ForAll(FilterGenerators.FiltersJson(ParametersTestData.Now).ToArbitrary(), json =>
        {
            var filters = FilterGenerators.ParseFilters(json);
            // The in-memory directory answers synchronously, so the task has completed when it is returned.
            ValueTask<FilterSet?> resolved = FilterCompiler.ResolveVoucherCodesAsync(filters, global::VoucherExport.Transactions.InMemoryVoucherDirectory.Empty);
            return resolved.IsCompletedSuccessfully && ReferenceEquals(filters, resolved.Result);
        });

    [Fact]
    public void GeneratedCasesAreNotTrivial()
    {
        // The agreement property means little if random filters nearly always, or nearly never, match.
        var cases = Gen.Sample(FilterGenerators.Cases, 300);
        int rows = 0, matched = 0;
        foreach (var c in cases)
        {
            var predicate = FilterCompiler.Compile(FilterGenerators.ParseFilters(c.FiltersJson), c.Now);
            rows += c.Rows.Length;
            matched += c.Rows.Count(predicate.Matches);
        }

        double share = (double)matched / rows;
        Assert.InRange(share, 0.1, 0.9);
    }
}

using FsCheck;
using FsCheck.Fluent;
using VoucherExport.Demo;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.PostgreSql;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.PostgreSql;

public class LedgerFilterPushdownTests
{
    [PostgresFact]
    public async Task RandomFiltersSelectAndOrderTheRowsTheCompilerSelects()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        var source = new PostgresTransactionSource(db.DataSource, db.Ledger);
        int cases = 0, matched = 0, total = 0;
        var property = Prop.ForAll(LedgerFilterGenerators.Cases.ToArbitrary(), c =>
        {
            FilterSet? filters = LedgerFilterGenerators.Parse(c.FiltersJson);
            var order = c.Ascending ? ExportOrder.CreatedAtAscending : ExportOrder.CreatedAtDescending;
            var query = new TransactionQuery(filters, order, c.Now);
            db.ExecuteAsync($"TRUNCATE \"{db.Schema}\".voucher_transactions").GetAwaiter().GetResult();
            PostgresLedgerLoader.LoadAsync(db.DataSource, new InMemoryTransactionSource(c.Rows), db.Ledger).GetAwaiter().GetResult();

            var predicate = FilterCompiler.Compile(filters, c.Now);
            var expected = c.Rows.Where(predicate.Matches).Order(TransactionOrder.For(order)).Select(r => r.Id).ToList();
            var pushdown = source.Plan(query);
            var actual = PgTestData.ReadAllAsync(source, query).GetAwaiter().GetResult();
            cases++;
            matched += expected.Count;
            total += c.Rows.Length;
            return pushdown.FiltersApplied && pushdown.OrderApplied && expected.SequenceEqual(actual.Select(r => r.Id))
                && actual.All(r => r.Amount == c.Rows.Single(x => x.Id == r.Id).Amount && r.Balance == c.Rows.Single(x => x.Id == r.Id).Balance);
        });
        property.Check(Config.QuickThrowOnFailure.WithMaxTest(200));

        // The agreement means little if random filters nearly always, or nearly never, match.
        Assert.Equal(200, cases);
        Assert.InRange((double)matched / total, 0.1, 0.9);
    }

    [PostgresFact]
    public async Task LikeSpecialsInOperandsMatchLiterally()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        var rows = new[] { "a%b", "axb", "a_b", "a\\b", "ab", "%", "_" }
            .Select((reason, i) => new VoucherTransaction
            {
                Id = $"vtx_{i}",
                Type = "CREDITS_ADDITION",
                Reason = reason,
                CreatedAt = PgTestData.Now.AddSeconds(i),
            }).ToArray();
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new InMemoryTransactionSource(rows), db.Ledger);
        var source = new PostgresTransactionSource(db.DataSource, db.Ledger);

        async Task<string[]> Reasons(string conditions)
        {
            var filters = LedgerFilterGenerators.Parse("{\"reason\":{\"conditions\":" + conditions + "}}");
            var found = await PgTestData.ReadAllAsync(source, new TransactionQuery(filters, ExportOrder.CreatedAtAscending, PgTestData.Now));
            return [.. found.Select(r => r.Reason!)];
        }

        Assert.Equal(["a%b", "%"], await Reasons("""{"$contains":"%"}"""));
        Assert.Equal(["a_b", "_"], await Reasons("""{"$contains":"_"}"""));
        Assert.Equal(["a\\b"], await Reasons("""{"$contains":"\\"}"""));
        Assert.Equal(["a%b"], await Reasons("""{"$starts_with":"a%"}"""));
        Assert.Equal(["a_b"], await Reasons("""{"$ends_with":"_b"}"""));
        Assert.Equal(["axb", "a\\b", "ab"], await Reasons("""{"$not_contain":["%"],"$starts_with":"a","$ends_with":"b","$is_not":"a_b"}"""));
    }

    [PostgresFact]
    public async Task AnOperandNoTextColumnCanHoldLeavesTheFilterToTheEngine()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        var source = new PostgresTransactionSource(db.DataSource, db.Ledger);
        var nul = LedgerFilterGenerators.Parse("""{"reason":{"conditions":{"$not_contain":"\u0000"}}}""");
        var fine = LedgerFilterGenerators.Parse("""{"reason":{"conditions":{"$not_contain":"x"}}}""");

        Assert.Equal(new SourcePushdown(false, true) { RangeApplied = true }, source.Plan(new TransactionQuery(nul, ExportOrder.CreatedAtAscending, PgTestData.Now)));
        Assert.Equal(new SourcePushdown(true, true) { RangeApplied = true }, source.Plan(new TransactionQuery(fine, ExportOrder.CreatedAtAscending, PgTestData.Now)));
    }

    [PostgresFact]
    public async Task ThePerVoucherFilterUsesItsIndexAndValuesAreParameters()
    {
        await using var db = await PgTestDatabase.CreateAsync();
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(5000).AsSource(), db.Ledger);
        var filters = LedgerFilterGenerators.Parse("""{"reason":{"conditions":{"$contains":"'; DROP TABLE x; --"}}}""");
        var query = new TransactionQuery(filters, ExportOrder.CreatedAtDescending, PgTestData.Now);
        await using var command = LedgerQuery.Create(db.Ledger, query, pushFilters: true, null, null);
        Assert.DoesNotContain("DROP", command.CommandText, StringComparison.Ordinal);

        // The per-voucher export: equality on the first column of the (voucher_id, created_at, id) index. (For a few
        // scattered rows the planner may still prefer a bitmap scan and a small sort; the full-ledger read is measured in
        // the adapters benchmark.)
        var ledger = new DemoLedger(5000);
        var voucher = LedgerFilterGenerators.Parse("{\"voucher_id\":{\"conditions\":{\"$in\":[\"" + ledger.Vouchers[3].Id + "\"]}}}");
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using var unfiltered = LedgerQuery.Create(db.Ledger, query with { Filters = voucher }, pushFilters: true, null, null);
        unfiltered.Connection = connection;
        unfiltered.CommandText = "EXPLAIN " + unfiltered.CommandText;
        var plan = new List<string>();
        await using (var reader = await unfiltered.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        string text = string.Join("\n", plan);
        Assert.True(text.Contains("voucher_transactions_voucher_created_at_id", StringComparison.Ordinal), text);
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

public partial class DemoLedgerTests
{
    private static readonly Lazy<(DemoLedger Ledger, List<VoucherTransaction> Rows)> s_fiveThousand = new(() =>
    {
        var ledger = new DemoLedger(5_000, seed: 7);
        return (ledger, ledger.Transactions().ToList());
    });

    [Fact]
    public void SameSeedGivesTheSameBytes()
    {
        Assert.Equal(JsonLines(new DemoLedger(2_000, 3)), JsonLines(new DemoLedger(2_000, 3)));
    }

    [Fact]
    public void DifferentSeedsGiveDifferentBytes()
    {
        Assert.NotEqual(JsonLines(new DemoLedger(200, 3)), JsonLines(new DemoLedger(200, 4)));
    }

    [Fact]
    public void ShorterLedgerIsAPrefixOfALongerOne()
    {
        // Vouchers depend on the row count, so compare two ledgers with the same voucher count.
        var rows = new DemoLedger(41, 9).Transactions().ToList();
        var longer = new DemoLedger(79, 9).Transactions().Take(41).ToList();

        TransactionAssert.Equal(rows, longer);
    }

    [Fact]
    public void RowCountIsExact()
    {
        Assert.Empty(new DemoLedger(0).Transactions());
        Assert.Single(new DemoLedger(1).Transactions());
        Assert.Equal(1_234, new DemoLedger(1_234).Transactions().Count());
        Assert.Equal(1_234, new DemoLedger(1_234).Rows);
    }

    [Fact]
    public void TransactionsAreGeneratedLazily()
    {
        var ledger = new DemoLedger(10_000_000);

        Assert.Equal(3, ledger.Transactions().Take(3).Count());
    }

    [Fact]
    public void DeclaredOrderHoldsExactlyWithTies()
    {
        List<VoucherTransaction> rows = s_fiveThousand.Value.Rows;
        int ties = 0;
        for (int i = 1; i < rows.Count; i++)
        {
            int byTime = rows[i - 1].CreatedAt.CompareTo(rows[i].CreatedAt);
            Assert.True(byTime <= 0, $"row {i} goes back in time");
            if (byTime == 0)
            {
                ties++;
                Assert.True(string.CompareOrdinal(rows[i - 1].Id, rows[i].Id) < 0, $"row {i} breaks the id tie-break");
            }
        }

        Assert.True(ties > 50, $"only {ties} ties");
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), rows[0].CreatedAt);
        Assert.All(rows, t => Assert.Equal(TimeSpan.Zero, t.CreatedAt.Offset));
    }

    [Fact]
    public void IdsAreWellFormedAndUnique()
    {
        (DemoLedger ledger, List<VoucherTransaction> rows) = s_fiveThousand.Value;

        Assert.All(rows, t => Assert.Matches(TransactionId(), t.Id));
        Assert.Equal(rows.Count, rows.Select(t => t.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.All(ledger.Vouchers, v => Assert.Matches(VoucherId(), v.Id));
        Assert.All(ledger.Vouchers, v => Assert.Matches(CampaignId(), v.CampaignId!));
        Assert.InRange(ledger.Vouchers.Select(v => v.CampaignId).Distinct().Count(), 2, 6);
        Assert.Equal(5_000 / 40 + 4, ledger.Vouchers.Count);
        Assert.Equal(ledger.Vouchers.Count, ledger.Vouchers.Select(v => v.Code).Distinct(StringComparer.Ordinal).Count());
        Assert.All(ledger.Vouchers, v => Assert.Matches(v.Type == "GIFT_VOUCHER" ? GiftCode() : LoyaltyCode(), v.Code));

        // A campaign holds one kind of card.
        Assert.All(ledger.Vouchers.GroupBy(v => v.CampaignId), g => Assert.Single(g.Select(v => v.Type).Distinct()));
    }

    [Fact]
    public void EveryTypeOfEachKindAppears()
    {
        (DemoLedger ledger, List<VoucherTransaction> rows) = s_fiveThousand.Value;
        var kinds = ledger.Vouchers.ToDictionary(v => v.Id, v => v.Type);

        Assert.All(rows, t => Assert.Equal(kinds[t.VoucherId!] == "GIFT_VOUCHER", TransactionTypes.IsGiftCard(t.Type)));
        var types = rows.Select(t => t.Type).ToHashSet();
        Assert.Superset(new HashSet<string>([.. TransactionTypes.GiftCard, .. TransactionTypes.LoyaltyCard]), types);
    }

    [Fact]
    public void VouchersCoverEveryVoucherAndCampaignUsed()
    {
        (DemoLedger ledger, List<VoucherTransaction> rows) = s_fiveThousand.Value;
        var vouchers = ledger.Vouchers.ToDictionary(v => v.Id);

        Assert.All(rows, t => Assert.Equal(vouchers[t.VoucherId!].CampaignId, t.CampaignId));
    }

    [Fact]
    public void AmountsAndBalancesMatchDetailsAndRunPerVoucher()
    {
        (DemoLedger ledger, List<VoucherTransaction> rows) = s_fiveThousand.Value;
        var last = new Dictionary<string, long>();
        foreach (VoucherTransaction t in rows)
        {
            using var details = JsonDocument.Parse(t.Details);
            JsonElement balance = details.RootElement.GetProperty("balance");
            bool gift = TransactionTypes.IsGiftCard(t.Type);
            Assert.Equal(gift ? "gift_voucher" : "loyalty_card", balance.GetProperty("type").GetString());
            Assert.Equal("balance", balance.GetProperty("object").GetString());
            Assert.Equal(t.Amount, balance.GetProperty(gift ? "amount" : "points").GetInt64());
            Assert.Equal(t.Balance, balance.GetProperty("balance").GetInt64());
            Assert.Equal(t.VoucherId, balance.GetProperty("related_object").GetProperty("id").GetString());
            Assert.True(t.Balance >= 0);
            if (last.TryGetValue(t.VoucherId!, out long before))
            {
                Assert.Equal(before + t.Amount, t.Balance);
            }

            last[t.VoucherId!] = t.Balance!.Value;
            bool outgoing = t.Type is "CREDITS_REDEMPTION" or "CREDITS_REMOVAL" or "POINTS_REDEMPTION" or "POINTS_REMOVAL"
                or "POINTS_EXPIRATION" or "POINTS_TRANSFER_OUT";
            Assert.True(outgoing ? t.Amount < 0 : t.Amount > 0, $"{t.Type} with amount {t.Amount}");
        }

        Assert.NotEmpty(ledger.Vouchers);
    }

    [Fact]
    public void DetailsCarryTheKeysEachTypeNeeds()
    {
        var keys = new Dictionary<string, HashSet<string>>();
        foreach (VoucherTransaction t in s_fiveThousand.Value.Rows)
        {
            using var details = JsonDocument.Parse(t.Details);
            var set = keys.TryGetValue(t.Type, out var s) ? s : keys[t.Type] = [];
            foreach (JsonProperty p in details.RootElement.EnumerateObject())
            {
                set.Add(p.Name);
            }
        }

        Assert.Superset(new HashSet<string> { "order", "redemption" }, keys["CREDITS_REDEMPTION"]);
        Assert.Superset(new HashSet<string> { "order", "redemption", "rollback" }, keys["CREDITS_REFUND"]);
        Assert.Superset(new HashSet<string> { "event", "earning_rule", "segment", "loyalty_tier", "holder_loyalty_tier" }, keys["POINTS_ACCRUAL"]);
        Assert.Superset(new HashSet<string> { "order", "redemption", "reward" }, keys["POINTS_REDEMPTION"]);
        Assert.Superset(new HashSet<string> { "pending_points", "earning_rule" }, keys["PENDING_POINTS_ACTIVATION"]);
        Assert.Superset(new HashSet<string> { "destination_voucher" }, keys["POINTS_TRANSFER_OUT"]);
        Assert.Superset(new HashSet<string> { "source_voucher" }, keys["POINTS_TRANSFER_IN"]);
        Assert.All(keys.Values, set => Assert.Contains("balance", set));
    }

    [Fact]
    public void RefundsAndTransfersPointAtTheirOrigin()
    {
        List<VoucherTransaction> rows = s_fiveThousand.Value.Rows;
        var byId = rows.ToDictionary(t => t.Id);
        foreach (VoucherTransaction t in rows.Where(t => t.RelatedTransactionId is not null))
        {
            VoucherTransaction origin = byId[t.RelatedTransactionId!];
            switch (t.Type)
            {
                case "CREDITS_REFUND" or "POINTS_REFUND":
                    Assert.Equal(t.Type == "CREDITS_REFUND" ? "CREDITS_REDEMPTION" : "POINTS_REDEMPTION", origin.Type);
                    Assert.Equal(origin.VoucherId, t.VoucherId);
                    Assert.Equal(-origin.Amount, t.Amount);
                    break;
                case "POINTS_TRANSFER_IN":
                    Assert.Equal("POINTS_TRANSFER_OUT", origin.Type);
                    Assert.NotEqual(origin.VoucherId, t.VoucherId);
                    Assert.Equal(origin.CreatedAt, t.CreatedAt);
                    Assert.Equal(-origin.Amount, t.Amount);
                    break;
                default:
                    Assert.Fail($"{t.Type} has a related transaction");
                    break;
            }
        }

        Assert.All(rows.Where(t => t.Type is "CREDITS_REFUND" or "POINTS_REFUND" or "POINTS_TRANSFER_IN"),
            t => Assert.NotNull(t.RelatedTransactionId));
    }

    [Fact]
    public void TextFieldsAreMixedAndNasty()
    {
        List<VoucherTransaction> rows = s_fiveThousand.Value.Rows;
        double nullReasons = rows.Count(t => t.Reason is null) / (double)rows.Count;

        Assert.InRange(nullReasons, 0.6, 0.73);
        string[] reasons = [.. rows.Select(t => t.Reason).OfType<string>().Distinct()];
        Assert.Contains("", reasons);
        foreach (string needle in new[] { "\"", ",", ";", "\t", "\r\n", "é", "中文", "🎁" })
        {
            Assert.Contains(reasons, r => r.Contains(needle, StringComparison.Ordinal));
        }

        Assert.Contains(reasons, r => r.StartsWith('='));
        Assert.Contains(reasons, r => r.StartsWith('+'));
        Assert.Contains(reasons, r => r.StartsWith('-'));
        Assert.Contains(reasons, r => r.StartsWith('@'));
        Assert.Contains(reasons, r => r.Contains('\r', StringComparison.Ordinal) && !r.Contains('\n', StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains('\n', StringComparison.Ordinal) && !r.Contains('\r', StringComparison.Ordinal));
        Assert.Superset(
            new HashSet<string?> { null, "API", "voucherify-web-ui", "Automation", "Shopify" },
            rows.Select(t => t.Source).ToHashSet());
        Assert.Contains(rows, t => t.SourceId is null);
        Assert.Contains(rows, t => t.SourceId is not null);
    }

    [Fact]
    public void CsvRowsAreAboutTheIntendedSize()
    {
        List<VoucherTransaction> rows = s_fiveThousand.Value.Rows;
        long bytes = TestCsv.Write(rows, ',', labels: true).LongLength;

        // About 450 bytes a row with all 12 fields: the balance object every row carries is ~195 bytes of CSV alone.
        Assert.InRange(bytes / rows.Count, 400, 500);
    }

    [Fact]
    public async Task SourceYieldsTheSameRowsInBatches()
    {
        var ledger = new DemoLedger(2_500, 5);
        var sizes = new List<int>();

        List<VoucherTransaction> rows = await SourceReader.ReadAllAsync(ledger.AsSource(1_000), sizes);

        TransactionAssert.Equal(ledger.Transactions().ToList(), rows);
        Assert.Equal([1_000, 1_000, 500], sizes);
        Assert.Empty(await SourceReader.ReadAllAsync(new DemoLedger(0).AsSource()));
    }

    [Fact]
    public void SourceDeclaresTheAscendingOrderOnly()
    {
        ITransactionSource source = new DemoLedger(10).AsSource();

        Assert.Equal(new SourcePushdown(false, true), source.Plan(SourceReader.Query(ExportOrder.CreatedAtAscending)));
        Assert.Equal(new SourcePushdown(false, false), source.Plan(SourceReader.Query(ExportOrder.CreatedAtDescending)));
    }

    [Fact]
    public async Task SourceStopsWhenCancelled()
    {
        using var cts = new CancellationTokenSource();
        int batches = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var batch in new DemoLedger(100).AsSource(10).ReadAsync(SourceReader.Query(), cts.Token))
            {
                batches++;
                await cts.CancelAsync();
            }
        });
        Assert.Equal(1, batches);
    }

    internal static byte[] JsonLines(DemoLedger ledger)
    {
        using var stream = new MemoryStream();
        ledger.WriteJsonLines(stream);
        return stream.ToArray();
    }

    [GeneratedRegex("^vtx_[0-9A-Za-z]{24}$")]
    private static partial Regex TransactionId();

    [GeneratedRegex("^v_[0-9A-Za-z]{24}$")]
    private static partial Regex VoucherId();

    [GeneratedRegex("^camp_[0-9A-Za-z]{24}$")]
    private static partial Regex CampaignId();

    [GeneratedRegex("^GIFT-[0-9A-Z]{4}-[0-9A-Z]{4}$")]
    private static partial Regex GiftCode();

    [GeneratedRegex("^LC-[0-9A-Z]{8}$")]
    private static partial Regex LoyaltyCode();
}

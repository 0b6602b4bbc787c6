using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.LoadTest;

/// <summary>
/// The fixed set of exports the clients ask for, drawn from a seed over the demo ledger the server serves, each with
/// the CSV the engine produces for it in this process. Computed once before the load starts, so checking a download
/// costs a byte comparison, not an export.
/// </summary>
public static class TemplateCatalogue
{
    private static readonly string[] AllFields =
    [
        "id", "type", "source_id", "reason", "balance", "amount", "created_at", "voucher_id", "campaign_id", "details",
        "related_transaction_id", "source",
    ];

    private static readonly string[] Types =
    [
        "CREDITS_REDEMPTION", "CREDITS_REFUND", "CREDITS_ADDITION", "CREDITS_REMOVAL", "POINTS_ACCRUAL", "POINTS_REDEMPTION",
        "POINTS_EXPIRATION", "POINTS_TRANSFER_IN", "POINTS_TRANSFER_OUT",
    ];

    /// <summary>Draws <see cref="LoadOptions.Templates"/> exports and computes what each must serve.</summary>
    public static async Task<IReadOnlyList<ExportTemplate>> BuildAsync(
        LoadOptions options, ITransactionSource? served = null, IVoucherDirectory? servedVouchers = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ledger = new DemoLedger(options.Rows, options.LedgerSeed);

        // One copy of the rows feeds every expected run (the server generates its own from the same seed) — unless the
        // server reads another copy (PostgreSQL), whose bytes the expected runs must then read too (jsonb orders keys).
        VoucherTransaction[] rows = [.. ledger.Transactions()];
        ITransactionSource source = served ?? new InMemoryTransactionSource(rows, declaredOrder: ExportOrder.CreatedAtAscending);
        IVoucherDirectory directory = servedVouchers ?? new InMemoryVoucherDirectory(ledger.Vouchers);

        VoucherInfo[] loyalty = [.. ledger.Vouchers.Where(v => v.Type == "LOYALTY_CARD")];
        string[] campaigns = [.. ledger.Vouchers.Select(v => v.CampaignId!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        var random = new Random(options.Seed);
        var templates = new List<ExportTemplate>(options.Templates);
        for (int i = 0; i < options.Templates; i++)
        {
            int roll = random.Next(100);
            var (kind, path, parameters, scopeFilter, generic) = roll switch
            {
                < 40 => Voucher(random, ledger.Vouchers),
                < 55 => Member(random, loyalty),
                < 70 => Campaign(random, campaigns),
                _ => Filtered(random, rows),
            };

            string sent = generic
                ? "{\"exported_object\":\"voucher_transactions\",\"parameters\":" + parameters(null) + "}"
                : "{\"parameters\":" + parameters(null) + "}";
            ExportParameters stored = ExportParametersParser.Parse(Encoding.UTF8.GetBytes(parameters(scopeFilter)));
            ExpectedExport expected = await ExpectAsync(stored, source, directory, options.MaxChunkRows, cancellationToken);
            templates.Add(new ExportTemplate(kind, path, sent, expected));
        }

        return templates;
    }

    /// <summary>Runs the engine twice in memory: chunked as the server is configured, and whole, as the download must read.</summary>
    public static async Task<ExpectedExport> ExpectAsync(
        ExportParameters parameters, ITransactionSource source, IVoucherDirectory vouchers, long maxChunkRows, CancellationToken cancellationToken)
    {
        var (chunks, rows) = await RunAsync(parameters, source, vouchers, new ChunkLimits { MaxChunkRows = maxChunkRows }, cancellationToken);
        var (whole, wholeRows) = await RunAsync(parameters, source, vouchers, new ChunkLimits { MaxChunkBytes = long.MaxValue }, cancellationToken);
        if (whole.Length != 1 || wholeRows != rows)
        {
            throw new InvalidOperationException($"the unchunked run wrote {whole.Length} chunks and {wholeRows} rows; the chunked one {rows} rows");
        }

        string[] hashes = [.. chunks.Select(c => Convert.ToHexStringLower(SHA256.HashData(c)))];
        return new ExpectedExport(whole[0], chunks, hashes, rows);
    }

    private static async Task<(byte[][] Chunks, long Rows)> RunAsync(
        ExportParameters parameters, ITransactionSource source, IVoucherDirectory vouchers, ChunkLimits limits, CancellationToken cancellationToken)
    {
        var sinks = new InMemoryChunkSinkFactory();
        var request = new ExportRequest
        {
            Export = new ExportObject { Id = ExportIds.NewId(), CreatedAt = DateTimeOffset.UnixEpoch, Parameters = parameters },
            Chunks = limits,
            Vouchers = vouchers,
        };
        ExportResult result = await ExportEngine.RunAsync(request, source, sinks, cancellationToken: cancellationToken);
        IReadOnlyList<KeyValuePair<string, byte[]>> stored = sinks.Find(request.Export.Id)!.Committed;
        return ([.. result.Result.Chunks.Select(c => stored.Single(s => s.Key == c.Info.Name).Value)], result.Result.Rows);
    }

    private delegate string ParametersJson(string? scopeFilter);

    private static (string, string, ParametersJson, string?, bool) Voucher(Random random, IReadOnlyList<VoucherInfo> vouchers)
    {
        VoucherInfo voucher = vouchers[random.Next(vouchers.Count)];
        string order = Order(random), fields = Fields(random, AllFields);
        return ("voucher", $"/v1/vouchers/{Uri.EscapeDataString(voucher.Code)}/transactions/export",
            filter => Parameters(order, fields, filter), InClause("voucher_id", voucher.Code), false);
    }

    private static (string, string, ParametersJson, string?, bool) Member(Random random, IReadOnlyList<VoucherInfo> cards)
    {
        VoucherInfo card = cards[random.Next(cards.Count)];
        string order = Order(random), fields = Fields(random, AllFields);
        string path = random.Next(2) == 0
            ? $"/v1/loyalties/members/{Uri.EscapeDataString(card.Code)}/transactions/export"
            : $"/v1/loyalties/{Uri.EscapeDataString(card.CampaignId!)}/members/{Uri.EscapeDataString(card.Code)}/transactions/export";
        return ("member", path, filter => Parameters(order, fields, filter), InClause("voucher_id", card.Code), false);
    }

    private static (string, string, ParametersJson, string?, bool) Campaign(Random random, IReadOnlyList<string> campaigns)
    {
        string campaign = campaigns[random.Next(campaigns.Count)];
        string order = Order(random), fields = Fields(random, [.. AllFields.Where(f => f != "campaign_id")]);
        return ("campaign", $"/v1/campaigns/{Uri.EscapeDataString(campaign)}/transactions/export",
            filter => Parameters(order, fields, filter), InClause("campaign_id", campaign), false);
    }

    private static (string, string, ParametersJson, string?, bool) Filtered(Random random, VoucherTransaction[] rows)
    {
        // A created_at window of 0.5 % to 4 % of the ledger, sometimes narrowed by one more clause.
        int width = Math.Max(1, random.Next(Math.Max(1, rows.Length / 200), Math.Max(2, rows.Length / 25)));
        int start = random.Next(Math.Max(1, rows.Length - width));
        DateTimeOffset from = rows[start].CreatedAt, to = rows[Math.Min(rows.Length - 1, start + width)].CreatedAt;
        string window = $"\"created_at\":{{\"conditions\":{{\"$more_than_equal\":\"{Iso(from)}\",\"$before\":\"{Iso(to)}\"}}}}";
        string extra = random.Next(4) switch
        {
            0 => $",\"type\":{{\"conditions\":{{\"$in\":[\"{Types[random.Next(Types.Length)]}\",\"{Types[random.Next(Types.Length)]}\"]}}}}",
            1 => ",\"amount\":{\"conditions\":{\"$more_than\":0}}",
            2 => ",\"source\":{\"conditions\":{\"$is_not\":\"API\"}}",
            _ => "",
        };
        string filters = $"\"filters\":{{\"junction\":\"and\",{window}{extra}}}";
        string order = Order(random), fields = Fields(random, AllFields);
        return ("filtered", "/v1/exports", _ => Parameters(order, fields, filters), null, true);
    }

    private static string InClause(string field, string value) =>
        $"\"filters\":{{\"{field}\":{{\"conditions\":{{\"$in\":[{JsonSerializer.Serialize(value)}]}}}}}}";

    private static string Parameters(string order, string fields, string? filters) =>
        "{" + string.Join(',', new[] { order, fields, filters ?? "" }.Where(p => p.Length > 0)) + "}";

    private static string Order(Random random) => random.Next(3) switch
    {
        0 => "",
        1 => "\"order\":\"created_at\"",
        _ => "\"order\":\"-created_at\"",
    };

    private static string Fields(Random random, string[] allowed)
    {
        if (random.Next(5) == 0)
        {
            return "";
        }

        string[] shuffled = [.. allowed];
        random.Shuffle(shuffled);
        int count = 1 + random.Next(shuffled.Length);
        return "\"fields\":[" + string.Join(',', shuffled.Take(count).Select(f => $"\"{f}\"")) + "]";
    }

    private static string Iso(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

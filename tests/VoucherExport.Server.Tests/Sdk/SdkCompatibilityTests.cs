using System.Diagnostics;
using System.Text;
using System.Text.Json;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Server.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests.Sdk;

/// <summary>
/// Voucherify's own JS SDK as the judge: <c>node --test</c> runs tests/sdk/*.test.mjs against a real server started here,
/// covering every export call the SDK has, its error class reading our errors, an OAuth token through customHeaders, and
/// each downloaded file parsed with csv-parse. The rows the files must hold are computed here from the same ledger.
/// </summary>
public class SdkCompatibilityTests
{
    private static readonly string[] Fields = ["id", "type", "reason", "amount", "balance", "created_at", "voucher_id", "source"];

    [NodeSdkFact]
    public async Task VoucherifysJsSdkDrivesTheServer()
    {
        Assert.True(SdkFolder.Problem() is null, SdkFolder.Problem());
        var demo = new DemoLedger(400);
        VoucherInfo gift = demo.Vouchers.First(v => v.Type == VoucherInfo.GiftVoucher);
        VoucherInfo card = demo.Vouchers.First(v => v.Type == VoucherInfo.LoyaltyCard);
        List<VoucherTransaction> ledger = WithHostileReasons(demo.Transactions(), gift.Id, card.Id);
        Assert.Contains(ledger, t => t.VoucherId == gift.Id && t.Reason?.Contains("\r\n", StringComparison.Ordinal) == true);

        await using var server = await ServerHarness.StartAsync(
            new Dictionary<string, string?> { ["Downloads:Secret"] = "the-sdk-test-secret-of-at-least-32-bytes" },
            source: new InMemoryTransactionSource(ledger),
            vouchers: new InMemoryVoucherDirectory(demo.Vouchers));

        string fixture = Path.Combine(server.DataFolder, "..", $"sdk-fixture-{Guid.NewGuid():N}.json");
        var expected = new Dictionary<string, List<string[]>>
        {
            ["gift"] = Expected.Rows(ledger, t => t.VoucherId == gift.Id, Fields, newestFirst: false),
            ["card"] = Expected.Rows(ledger, t => t.VoucherId == card.Id, Fields, newestFirst: false),
        };
        Assert.NotEmpty(expected["gift"]);
        Assert.NotEmpty(expected["card"]);
        await File.WriteAllTextAsync(fixture, JsonSerializer.Serialize(new
        {
            url = server.Address.ToString().TrimEnd('/'),
            appId = ServerHarness.AppA,
            appToken = ServerHarness.TokenA,
            fields = Fields,
            defaultFields = TransactionFields.Default.Select(TransactionFields.Name).ToArray(),
            labels = Fields.Select(f => TransactionFields.TryParse(f, out var field) ? TransactionFields.Label(field) : f).ToArray(),
            gift = new { code = gift.Code, id = gift.Id },
            card = new { code = card.Code, id = card.Id, campaignId = card.CampaignId, campaignName = card.CampaignName },
            expected,
        }));

        try
        {
            var (exitCode, output) = await RunNodeAsync(fixture);
            Assert.True(exitCode == 0, $"node --test failed (exit {exitCode}):\n{output}");
            Assert.Contains("# pass 5", output, StringComparison.Ordinal);
            Assert.Contains("# fail 0", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(fixture);
        }
    }

    /// <summary>The ledger with reasons that need quoting on some of the two vouchers' rows: CR LF, a lone LF, quotes, commas.</summary>
    private static List<VoucherTransaction> WithHostileReasons(IEnumerable<VoucherTransaction> rows, string giftId, string cardId)
    {
        string[] reasons = ["two lines\r\nof reason", "a \"quoted\" word, and a comma", "lone\nline feed", "trailing CR\r"];
        int n = 0;
        return [.. rows.Select(t => t.VoucherId != giftId && t.VoucherId != cardId ? t : new VoucherTransaction
        {
            Id = t.Id,
            SourceId = t.SourceId,
            VoucherId = t.VoucherId,
            CampaignId = t.CampaignId,
            Source = t.Source,
            Reason = reasons[n++ % reasons.Length],
            Type = t.Type,
            Details = t.Details,
            RelatedTransactionId = t.RelatedTransactionId,
            CreatedAt = t.CreatedAt,
            Amount = t.Amount,
            Balance = t.Balance,
        })];
    }

    private static async Task<(int ExitCode, string Output)> RunNodeAsync(string fixture)
    {
        var start = new ProcessStartInfo(SdkFolder.Node!)
        {
            WorkingDirectory = SdkFolder.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--test");
        start.ArgumentList.Add("--test-reporter=tap");
        start.Environment["VX_SDK_FIXTURE"] = Path.GetFullPath(fixture);
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        Task stdout = Task.Run(async () => output.Append(await process.StandardOutput.ReadToEndAsync()));
        Task stderr = Task.Run(async () => output.Append(await process.StandardError.ReadToEndAsync()));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await Task.WhenAll(stdout, stderr);
            return (-1, "node --test did not finish within 3 minutes:\n" + output);
        }

        await Task.WhenAll(stdout, stderr);
        return (process.ExitCode, output.ToString());
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using VoucherExport.Demo;
using VoucherExport.Server.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests;

/// <summary>docs/server.md's walkthrough request, read from the file and sent to a server on the defaults, so the doc cannot rot.</summary>
public partial class DocsWalkthroughTests
{
    [Fact]
    public async Task TheDocumentedSeedRequestWorksAgainstTheDefaultServer()
    {
        string doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "server.md"));
        Match curl = CurlBlock().Match(doc);
        Assert.True(curl.Success, "docs/server.md has no 'curl --request POST' block");
        string url = curl.Groups["url"].Value;
        string body = curl.Groups["body"].Value;
        var headers = Header().Matches(curl.Value).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value);

        // The body is the seed page's, byte for byte; the credentials and code are the defaults the doc claims.
        Assert.Equal(SeedRequestTests.SeedBody.ReplaceLineEndings("\n"), body.ReplaceLineEndings("\n"));
        Assert.Equal(ServerOptions.DemoApplicationId, headers["X-App-Id"]);
        Assert.Equal(ServerOptions.DemoApplicationToken, headers["X-App-Token"]);
        Assert.Equal($"Bearer {ServerOptions.DemoApplicationToken}", headers["Authorization"]);
        var ledger = new DemoLedger(LedgerOptions.DefaultDemoRows);
        VoucherInfo first = ledger.Vouchers[0];
        Assert.Equal($"http://127.0.0.1:5080/v1/vouchers/{first.Code}/transactions/export", url);
        Assert.Contains($"`{first.Id}`", doc, StringComparison.Ordinal);
        Assert.Equal(ledger.Vouchers.Count, int.Parse(DocumentedVoucherCount().Match(doc).Groups[1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture));

        await using var server = await ServerHarness.StartAsync(new Dictionary<string, string?>
        {
            [$"Applications:{ServerHarness.AppA}"] = null,
            [$"Applications:{ServerHarness.AppB}"] = null,
            ["Ledger:DemoRows"] = null,
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url).PathAndQuery)
        {
            Content = new StringContent(body, Encoding.UTF8, headers["Content-Type"]),
        };
        foreach (var (name, value) in headers.Where(h => h.Key != "Content-Type"))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var (response, created) = await server.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("SCHEDULED", created.GetProperty("status").GetString());
        Assert.Equal(first.Code, created.GetProperty("parameters").GetProperty("filters").GetProperty("voucher_id")
            .GetProperty("conditions").GetProperty("$in")[0].GetString());

        await server.Registry.WaitAsync(ServerOptions.DemoApplicationId, created.GetProperty("id").GetString()!);
        int documentedRows = int.Parse(DocumentedRows().Match(doc).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(ledger.Transactions().Count(t => t.VoucherId == first.Id), documentedRows);
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "VoucherExport.Core.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException("no VoucherExport.Core.sln above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"curl --request POST \\\n  --url (?<url>\S+) \\\n(?:  --header '[^']+' \\\n)+  --data '(?<body>[^']*)'", RegexOptions.None)]
    private static partial Regex CurlBlock();

    [GeneratedRegex(@"--header '(?<name>[^:]+): (?<value>[^']+)'")]
    private static partial Regex Header();

    [GeneratedRegex(@"\(`v_[A-Za-z0-9]+`,\s+(\d+) transactions at 100,000 rows\)")]
    private static partial Regex DocumentedRows();

    [GeneratedRegex(@"seed 1 \(`--demo-rows N` to change the size\), ([\d,]+) vouchers")]
    private static partial Regex DocumentedVoucherCount();
}

using System.Net;
using System.Text;
using System.Text.Json;
using VoucherExport.Server.Tests.Support;

namespace VoucherExport.Server.Tests;

public class DownloadTokenTests : IAsyncLifetime
{
    private ServerHarness _server = null!;
    private string _id = "";
    private string _url = "";

    public async Task InitializeAsync()
    {
        _server = await ServerHarness.StartAsync();
        _id = await _server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""");
        _url = (await _server.WaitFinalAsync(_id)).GetProperty("result").GetProperty("url").GetString()!;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ATokenWorksUntilItsLifetimeEndsOnTheServersClock()
    {
        _server.Clock.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromMilliseconds(1));
        using (HttpResponseMessage stillGood = await _server.Client.GetAsync(_url))
        {
            Assert.Equal(HttpStatusCode.OK, stillGood.StatusCode);
        }

        _server.Clock.Advance(TimeSpan.FromMilliseconds(1));
        await AssertUnauthorizedAsync(_url, "expired");

        // A new GET mints a new URL that works again.
        var (_, fresh) = await _server.GetAsync($"/v1/exports/{_id}");
        string freshUrl = fresh.GetProperty("result").GetProperty("url").GetString()!;
        Assert.NotEqual(_url, freshUrl);
        using HttpResponseMessage again = await _server.Client.GetAsync(freshUrl);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task TheLifetimeIsConfigurable()
    {
        await using var server = await ServerHarness.StartAsync(new Dictionary<string, string?> { ["Downloads:TokenLifetime"] = "00:00:30" });
        string id = await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}""");
        string url = (await server.WaitFinalAsync(id)).GetProperty("result").GetProperty("url").GetString()!;
        server.Clock.Advance(TimeSpan.FromSeconds(30));
        using HttpResponseMessage response = await server.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task EveryTamperedPartOfTheTokenIs401()
    {
        string token = _url[(_url.IndexOf("token=", StringComparison.Ordinal) + 6)..];
        string[] parts = token.Split('.');
        Assert.Equal(4, parts.Length);
        string Replace(int index, string value)
        {
            string[] copy = [.. parts];
            copy[index] = value;
            return string.Join('.', copy);
        }

        string appB = Convert.ToBase64String(Encoding.UTF8.GetBytes(ServerHarness.AppB)).TrimEnd('=');
        long later = long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) + 86_400_000;
        var forged = new[]
        {
            Replace(3, Flip(parts[3])),                       // the signature
            Replace(2, later.ToString(System.Globalization.CultureInfo.InvariantCulture)), // a later expiry
            Replace(1, appB),                                 // another application
            Replace(0, "v2"),                                 // the version
            token[..^1],                                      // truncated
            token + "A",                                      // extended
            "",                                               // empty
            "not-a-token",
            new string('A', 5000),
        };
        foreach (string bad in forged)
        {
            await AssertUnauthorizedAsync(_url[..(_url.IndexOf("token=", StringComparison.Ordinal) + 6)] + Uri.EscapeDataString(bad), "token");
        }

        // Without any token the id alone asks the authenticated API, which wants credentials.
        await AssertUnauthorizedAsync($"{_server.Address}v1/exports/{_id}/download", "token");
    }

    [Fact]
    public async Task ATokenIsBoundToItsExport()
    {
        string other = await _server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions","parameters":{"order":"created_at"}}""");
        await _server.WaitFinalAsync(other);
        string token = _url[(_url.IndexOf("?token=", StringComparison.Ordinal) + 7)..];
        await AssertUnauthorizedAsync($"{_server.Address}v1/exports/{other}?token={token}", "not valid");
        await AssertUnauthorizedAsync($"{_server.Address}v1/exports/{other}/chunks/1?token={token}", "not valid");
    }

    [Fact]
    public async Task TheDownloadNeedsNoAppHeadersTheTokenIsTheCredential()
    {
        using var client = new HttpClient();
        using HttpResponseMessage response = await client.GetAsync(_url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("ID,Type,Source ID", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task AssertUnauthorizedAsync(string url, string detailsContain)
    {
        using HttpResponseMessage response = await _server.Client.GetAsync(url);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(HttpStatusCode.Unauthorized == response.StatusCode, $"{url}: {(int)response.StatusCode} {body}");
        JsonElement error = JsonDocument.Parse(body).RootElement;
        Assert.Equal("unauthorized", error.GetProperty("key").GetString());
        Assert.Contains(detailsContain, error.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    private static string Flip(string text)
    {
        char[] chars = text.ToCharArray();
        chars[chars.Length / 2] = chars[chars.Length / 2] == 'A' ? 'B' : 'A';
        return new string(chars);
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using VoucherExport.Hosting;
using VoucherExport.Parameters;
using VoucherExport.Registry;

namespace VoucherExport.Hosting.Tests;

public class ExportWebhookTests
{
    private static readonly ExportObject Done = new()
    {
        Id = ExportIds.NewId(),
        CreatedAt = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Parameters = ExportParameters.Default,
        Status = ExportStatus.Done,
        Result = new ExportResultInfo("file:///x", [], 0, 0),
    };

    private static WebhookOptions Options(int attempts = 4) => new()
    {
        Url = new Uri("http://127.0.0.1:9/hook"),
        Secret = "s3cret",
        MaxAttempts = attempts,
        InitialBackoff = TimeSpan.Zero,
    };

    [Fact]
    public async Task PostsTheSignedExportAndRetriesUntilAccepted()
    {
        var handler = new ScriptedHandler(HttpStatusCode.InternalServerError, HttpStatusCode.BadGateway, HttpStatusCode.OK);
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero));
        var hook = new ExportWebhook(new HttpClient(handler), Options(), clock, NullLogger<ExportWebhook>.Instance);
        await hook.OnCompletedAsync("app", Done, CancellationToken.None);

        Assert.Equal(3, handler.Requests.Count);
        var (body, signature) = handler.Requests[^1];
        using var json = JsonDocument.Parse(body);
        Assert.Equal(Done.Id, json.RootElement.GetProperty("id").GetString());
        Assert.Equal("DONE", json.RootElement.GetProperty("status").GetString());

        // The receiver's check: recompute the HMAC over "t.body" with the shared secret.
        long t = clock.GetUtcNow().ToUnixTimeSeconds();
        string expected = Convert.ToHexStringLower(HMACSHA256.HashData("s3cret"u8.ToArray(), (byte[])[.. Encoding.UTF8.GetBytes($"{t}."), .. body]));
        Assert.Equal($"t={t},v1={expected}", signature);
    }

    [Fact]
    public async Task GivesUpAfterMaxAttempts()
    {
        var handler = new ScriptedHandler(Enumerable.Repeat(HttpStatusCode.ServiceUnavailable, 10).ToArray());
        var hook = new ExportWebhook(new HttpClient(handler), Options(attempts: 3), TimeProvider.System, NullLogger<ExportWebhook>.Instance);
        await hook.OnCompletedAsync("app", Done, CancellationToken.None);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public void BackoffDoublesAndIsCapped()
    {
        var o = new WebhookOptions { InitialBackoff = TimeSpan.FromSeconds(2), MaxBackoff = TimeSpan.FromSeconds(10) };
        Assert.Equal([2, 4, 8, 10, 10], Enumerable.Range(2, 5).Select(a => ExportWebhook.Backoff(o, a).TotalSeconds));
    }

    [Fact]
    public void AWebhookNeedsUrlAndSecret()
    {
        Assert.Throws<ArgumentException>(() => new ExportWebhook(new HttpClient(), new WebhookOptions { Url = new Uri("http://127.0.0.1/") },
            TimeProvider.System, NullLogger<ExportWebhook>.Instance));
    }

    private sealed class ScriptedHandler(params HttpStatusCode[] answers) : HttpMessageHandler
    {
        private int _next;

        public List<(byte[] Body, string Signature)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((await request.Content!.ReadAsByteArrayAsync(cancellationToken), request.Headers.GetValues(ExportWebhook.SignatureHeader).Single()));
            return new HttpResponseMessage(answers[Math.Min(_next++, answers.Length - 1)]);
        }
    }
}

using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using VoucherExport.Registry;

namespace VoucherExport.Hosting;

/// <summary>
/// Posts the final export object to <see cref="WebhookOptions.Url"/>. The body is the export's JSON; the header
/// <c>X-VoucherExport-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.body"&gt;</c> lets the receiver check it
/// and reject replays. 2xx ends it; other answers and network errors are retried with exponential backoff.
/// </summary>
public sealed partial class ExportWebhook : IExportCompletionListener
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-VoucherExport-Signature";

    private readonly HttpClient _http;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>A webhook sending through <paramref name="http"/>.</summary>
    public ExportWebhook(HttpClient http, WebhookOptions options, TimeProvider time, ILogger<ExportWebhook> logger)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        if (options.Url is null || string.IsNullOrEmpty(options.Secret))
        {
            throw new ArgumentException("a webhook needs both Url and Secret", nameof(options));
        }
    }

    /// <summary>The signature of <paramref name="body"/> sent at <paramref name="unixSeconds"/>, as the header carries it.</summary>
    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        byte[] prefix = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        byte[] signed = [.. prefix, .. body];
        string mac = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
        return $"t={unixSeconds.ToString(CultureInfo.InvariantCulture)},v1={mac}";
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> (2-based): the initial backoff doubled, capped.</summary>
    public static TimeSpan Backoff(WebhookOptions options, int attempt)
    {
        ArgumentNullException.ThrowIfNull(options);
        double factor = Math.Pow(2, Math.Max(0, attempt - 2));
        double ticks = Math.Min(options.InitialBackoff.Ticks * factor, options.MaxBackoff.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <inheritdoc />
    public async Task OnCompletedAsync(string appId, ExportObject export, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(export);
        byte[] body = ExportJson.ToUtf8(export, indented: false);
        for (int attempt = 1; attempt <= _options.MaxAttempts; attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(Backoff(_options, attempt), _time, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.Timeout);
                using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(_options.Secret!, _time.GetUtcNow().ToUnixTimeSeconds(), body));
                using HttpResponseMessage response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    LogDelivered(_logger, export.Id, attempt);
                    return;
                }

                LogRejected(_logger, export.Id, attempt, (int)response.StatusCode);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                LogFailed(_logger, export.Id, attempt, ex.Message);
            }
        }

        LogGaveUp(_logger, export.Id, _options.MaxAttempts);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook for {ExportId} delivered on attempt {Attempt}")]
    private static partial void LogDelivered(ILogger logger, string exportId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook for {ExportId} answered {StatusCode} on attempt {Attempt}")]
    private static partial void LogRejected(ILogger logger, string exportId, int attempt, int statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook for {ExportId} failed on attempt {Attempt}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string exportId, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook for {ExportId} gave up after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, string exportId, int attempts);
}

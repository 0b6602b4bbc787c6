using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VoucherExport.Registry;

namespace VoucherExport.Hosting;

/// <summary>The configured <see cref="ExportWebhook"/>, or nothing when <c>VoucherExport:Webhook:Url</c> is empty.</summary>
internal sealed class WebhookListener : IExportCompletionListener, IDisposable
{
    private readonly HttpClient? _http;
    private readonly ExportWebhook? _webhook;

    public WebhookListener(IOptions<VoucherExportOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        WebhookOptions webhook = options.Value.Webhook;
        if (webhook.Url is not null)
        {
            // One long-lived client; connections are recycled so DNS changes of the receiver are seen.
            _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
            _webhook = new ExportWebhook(_http, webhook, time, loggers.CreateLogger<ExportWebhook>());
        }
    }

    public Task OnCompletedAsync(string appId, ExportObject export, CancellationToken cancellationToken) =>
        _webhook?.OnCompletedAsync(appId, export, cancellationToken) ?? Task.CompletedTask;

    public void Dispose() => _http?.Dispose();
}

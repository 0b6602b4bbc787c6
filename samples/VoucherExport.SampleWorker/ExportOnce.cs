using System.Text.Json;
using VoucherExport.Registry;

namespace VoucherExport.SampleWorker;

/// <summary>Schedules one export of every transaction, polls it to the end like a Voucherify client, then stops the host.</summary>
public sealed class ExportOnce(ExportRegistry registry, IHostApplicationLifetime lifetime, ILogger<ExportOnce> logger) : BackgroundService
{
    public int ExitCode { get; private set; } = 1;

    public ExportObject? Final { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            using var body = JsonDocument.Parse("""{"exported_object":"voucher_transactions","parameters":{"order":"created_at"}}""");
            ExportObject created = await registry.CreateExportAsync("sample-app", body.RootElement, stoppingToken);
            logger.LogInformation("Scheduled {ExportId}", created.Id);
            Final = await registry.WaitAsync("sample-app", created.Id, stoppingToken);
            if (Final is { Status: ExportStatus.Done, Result: { } result })
            {
                logger.LogInformation("{ExportId} DONE: {Rows} rows in {Chunks} chunks, {Bytes} bytes at {Url}",
                    created.Id, result.Rows, result.Chunks.Count, result.Bytes, result.Url);
                ExitCode = 0;
            }
            else
            {
                logger.LogError("{ExportId} ended {Status}: {Error}", created.Id, Final?.Status, Final?.Error?.Details);
            }
        }
        finally
        {
            lifetime.StopApplication();
        }
    }
}

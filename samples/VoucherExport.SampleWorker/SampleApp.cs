using VoucherExport.Hosting;

namespace VoucherExport.SampleWorker;

/// <summary>A worker-service host that adds VoucherExport, runs one export, prints its outcome and stops.</summary>
public static class SampleApp
{
    public static async Task<int> RunAsync(string[] args, Action<HostApplicationBuilder>? customize = null)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddVoucherExport(builder.Configuration);
        builder.Services.AddSingleton<ExportOnce>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ExportOnce>());
        customize?.Invoke(builder);
        IHost host = builder.Build();
        ExportOnce worker = host.Services.GetRequiredService<ExportOnce>();
        await host.RunAsync(); // disposes the host when it stops
        return worker.ExitCode;
    }
}

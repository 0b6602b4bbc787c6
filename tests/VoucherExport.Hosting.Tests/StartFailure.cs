using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace VoucherExport.Hosting.Tests;

/// <summary>Hosts that must not start.</summary>
internal static class StartFailure
{
    /// <summary>Starts a host configured by <paramref name="configure"/>, asserts that validation stops it, and returns why.</summary>
    public static async Task<string> MessageAsync(Action<VoucherExportOptions> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddVoucherExport(configure);
        using var host = builder.Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        return e.Message;
    }
}

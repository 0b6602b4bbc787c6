using System.Diagnostics;

namespace VoucherExport.Server.Tests.Support;

/// <summary>
/// A second Ceph cluster (monitor, memory-store OSD, radosgw) of one test, started by scripts/start-s3 in its own folder on
/// free ports beside the shared one. <see cref="StopGatewayAsync"/> and <see cref="StartGatewayAsync"/> stop and start the
/// real S3 gateway (radosgw) by its pid; the cluster and its users stay, so the same keys work again.
/// </summary>
internal sealed class PrivateCeph : IAsyncDisposable
{
    private readonly string _folder;
    private readonly int _monPort;

    private PrivateCeph(string folder, int port, int monPort, string accessKey, string secretKey)
    {
        _folder = folder;
        Port = port;
        _monPort = monPort;
        AccessKey = accessKey;
        SecretKey = secretKey;
    }

    public int Port { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    public string AccessKey { get; }

    public string SecretKey { get; }

    /// <summary>scripts/start-s3, found upwards from the test assembly; null when not found.</summary>
    public static string? Script()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "scripts", "start-s3");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Starts the cluster; a start that fails (seen once on a machine loaded by parallel builds: the first OSD command timing
    /// out) is stopped and removed, and tried once more in a new folder on new ports, so a failed start leaves no daemon.
    /// </summary>
    public static async Task<PrivateCeph> StartAsync()
    {
        for (int attempt = 1; ; attempt++)
        {
            string folder = Path.Combine(Path.GetTempPath(), "vx-ceph-health-" + Guid.NewGuid().ToString("N")[..12]);
            int port = PrivatePostgres.FreePort(), monPort = PrivatePostgres.FreePort();
            try
            {
                string output = await ScriptAsync(folder, port, monPort);
                string Value(string name) => output.Split('\n').Single(l => l.StartsWith($"export {name}=", StringComparison.Ordinal))[$"export {name}=".Length..].Trim();
                return new PrivateCeph(folder, port, monPort, Value("VX_S3_ACCESS_KEY"), Value("VX_S3_SECRET_KEY"));
            }
            catch (InvalidOperationException) when (attempt < 2)
            {
                await ScriptAsync(folder, port, monPort, "--stop");
                Directory.Delete(folder, recursive: true);
            }
            catch (InvalidOperationException)
            {
                await ScriptAsync(folder, port, monPort, "--stop");
                Directory.Delete(folder, recursive: true);
                throw;
            }
        }
    }

    public async Task StopGatewayAsync()
    {
        int pid = int.Parse(await File.ReadAllTextAsync(Path.Combine(_folder, "run", "client.rgw.a.pid")), System.Globalization.CultureInfo.InvariantCulture);
        using Process gateway = Process.GetProcessById(pid);
        gateway.Kill();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await gateway.WaitForExitAsync(deadline.Token);
    }

    public Task StartGatewayAsync() =>
        PrivatePostgres.RunAsync("env", $"CEPH_CONF={Path.Combine(_folder, "ceph.conf")}", "radosgw", "-n", "client.rgw.a");

    public async ValueTask DisposeAsync()
    {
        await ScriptAsync(_folder, Port, _monPort, "--stop");
        Directory.Delete(_folder, recursive: true);
    }

    private static async Task<string> ScriptAsync(string folder, int port, int monPort, params string[] arguments)
    {
        var start = new ProcessStartInfo(Script()!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["VX_CEPH_DIR"] = folder;
        start.Environment["VX_S3_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["VX_CEPH_MON_PORT"] = monPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["VX_S3_START_TIMEOUT"] = "120";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(deadline.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/start-s3 {string.Join(' ', arguments)} (VX_CEPH_DIR={folder}) exited {process.ExitCode}: {await errors}");
        }

        return await output;
    }
}

using System.Diagnostics;
using System.Text.Json;

namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// <c>voucher-export serve</c> (a real process) whose PostgreSQL or S3 does not answer at start: exit code 2 and, on
/// stderr, only the Voucherify-shaped <c>invalid_configuration</c> error whose one-line details name the key — no stack trace.
/// </summary>
public class ServeStartFailureTests
{
    // Port 9 (discard) is closed on a test machine: connections are refused at once.
    private const string ClosedPostgres = "Host=127.0.0.1;Port=9;Username=vx;Password=vx;Database=vx;Timeout=5";

    [Theory]
    [InlineData("--registry", "Registry:ConnectionString: PostgreSQL at 127.0.0.1:9/vx cannot be reached")]
    [InlineData("--ledger", "Ledger:ConnectionString: PostgreSQL at 127.0.0.1:9/vx cannot be reached")]
    public async Task AnUnreachablePostgreSqlIsOneError(string option, string message)
    {
        var (code, stdout, stderr) = await ServeAsync([option, ClosedPostgres], new() { ["Downloads__Secret"] = new string('s', 32) });
        AssertOneLineConfigurationError(code, stdout, stderr, message);
    }

    [Fact]
    public async Task AnUnreachableS3IsOneError()
    {
        var (code, stdout, stderr) = await ServeAsync(["--sink", "s3://vx-unreachable/exports"], new()
        {
            ["S3__ServiceUrl"] = "http://127.0.0.1:9",
            ["S3__AccessKey"] = "access",
            ["S3__SecretKey"] = "secret",
        });
        AssertOneLineConfigurationError(code, stdout, stderr, "Exports:Sink: S3 list of s3://vx-unreachable/exports failed");
    }

    [PostgreSql.PostgresFact]
    public async Task AMissingLedgerTableIsOneError()
    {
        var (code, stdout, stderr) = await ServeAsync(
            ["--ledger", Environment.GetEnvironmentVariable(PostgreSql.PostgresFactAttribute.Variable)!],
            new() { ["Ledger__Schema"] = "vx_no_such_schema" });
        AssertOneLineConfigurationError(code, stdout, stderr,
            "Ledger:ConnectionString: the ledger table vx_no_such_schema.voucher_transactions does not exist (load one with voucher-export load)");
    }

    [Fact]
    public async Task APostgreSqlRegistryWithoutADownloadSecretIsRefused()
    {
        var (code, stdout, stderr) = await ServeAsync(["--registry", ClosedPostgres], []);
        AssertOneLineConfigurationError(code, stdout, stderr, "Downloads:Secret: is required with Registry:ConnectionString");
    }

    private static void AssertOneLineConfigurationError(int code, string stdout, string stderr, string message)
    {
        Assert.Equal(2, code);
        // stderr is the CLI's error object and nothing else; its details are the one line that says what is wrong.
        JsonElement error = JsonDocument.Parse(stderr).RootElement;
        Assert.Equal("invalid_configuration", error.GetProperty("key").GetString());
        string details = error.GetProperty("details").GetString()!;
        Assert.StartsWith(message, details, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', details);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Err)> ServeAsync(string[] arguments, Dictionary<string, string> environment)
    {
        string folder = Path.Combine(Path.GetTempPath(), "vx-serve-fail", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string arg in (string[])["exec", ServiceCluster.CliDll(), "serve", "--urls", "http://127.0.0.1:0", .. arguments])
            {
                start.ArgumentList.Add(arg);
            }

            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }

            using var process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();

            // Bounded so a server that wrongly starts fails the test instead of hanging it.
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"serve did not stop within two minutes:\n{await stdout}\n{await stderr}");
            }

            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

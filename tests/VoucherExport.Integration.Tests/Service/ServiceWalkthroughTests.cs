using System.Diagnostics;

namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// The README's "Run it as a service" walkthrough, <c>scripts/try-service</c>, run as a user would: two real
/// <c>voucher-export serve</c> processes on the real PostgreSQL and S3 gateway, the seed page's curl with an OAuth token,
/// and a download through the other instance identical to <c>voucher-export export</c>.
/// </summary>
public class ServiceWalkthroughTests
{
    [ServiceFact]
    public async Task TheReadmeServiceWalkthroughRunsAndItsDownloadIsIdentical()
    {
        string root = RepositoryRoot();
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root };
        start.ArgumentList.Add(Path.Combine(root, "scripts", "try-service"));
        start.ArgumentList.Add("3000");
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        string said = await output + await errors;
        Assert.True(process.ExitCode == 0, $"scripts/try-service exited {process.ExitCode}:\n{said}");
        Assert.Matches(@"exp_\w{24} created on http://127\.0\.0\.1:\d+/?, downloaded through http://127\.0\.0\.1:\d+/?: \d+ bytes, identical to voucher-export export", said);
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

        throw new InvalidOperationException("the repository root (VoucherExport.Core.sln) is not above " + AppContext.BaseDirectory);
    }
}

namespace VoucherExport.Server.Tests.Sdk;

/// <summary>Where the Node SDK tests live (tests/sdk of the repository) and whether they can run here.</summary>
internal static class SdkFolder
{
    /// <summary>tests/sdk, found from the test assembly's folder upwards (the repository holds VoucherExport.Core.sln).</summary>
    public static string Path { get; } = Find();

    /// <summary>The node executable on PATH, or null.</summary>
    public static string? Node { get; } = FindOnPath("node");

    /// <summary>Why the SDK tests cannot run here, or null when they can.</summary>
    public static string? Problem()
    {
        if (Node is null)
        {
            return "node is not on PATH; install Node.js (Debian: apt-get install nodejs npm)";
        }

        return File.Exists(System.IO.Path.Combine(Path, "node_modules", "@voucherify", "sdk", "package.json"))
            && File.Exists(System.IO.Path.Combine(Path, "node_modules", "csv-parse", "package.json"))
            ? null
            : $"the SDK packages are not installed; run: npm ci --prefix {Path}";
    }

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "VoucherExport.Core.sln")))
            {
                return System.IO.Path.Combine(dir.FullName, "tests", "sdk");
            }
        }

        throw new InvalidOperationException($"no VoucherExport.Core.sln above {AppContext.BaseDirectory}");
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}

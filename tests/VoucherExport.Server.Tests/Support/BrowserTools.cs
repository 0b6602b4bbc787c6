namespace VoucherExport.Server.Tests.Support;

/// <summary>Where the browser tests' tools are: Chromium, node, and tests/browser with its node_modules.</summary>
internal static class BrowserTools
{
    /// <summary>The repository's tests/browser folder, found upwards from the test assembly; null when not found.</summary>
    public static string? Folder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "browser");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The node executable on PATH, or null.</summary>
    public static string? Node() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(p => Path.Combine(p, "node")).FirstOrDefault(File.Exists);

    /// <summary>What is missing, as an instruction; null when everything is there.</summary>
    public static string? Missing()
    {
        if (!File.Exists(BrowserFactAttribute.Chromium))
        {
            return $"{BrowserFactAttribute.Chromium} is missing: apt-get install -y chromium";
        }

        if (Node() is null)
        {
            return "node is not on PATH: apt-get install -y nodejs npm";
        }

        string? folder = Folder();
        if (folder is null)
        {
            return "tests/browser/package.json was not found above the test assembly";
        }

        return Directory.Exists(Path.Combine(folder, "node_modules", "playwright-core"))
            ? null
            : $"{folder}/node_modules/playwright-core is missing: (cd tests/browser && npm ci)";
    }
}

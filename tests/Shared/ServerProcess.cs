using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace VoucherExport.Testing;

/// <summary>
/// <c>voucher-export serve</c> as a child process on 127.0.0.1 (port 0; the bound port is read from its start-up log),
/// in a temporary working folder. Its own peak memory is read from <c>/proc/&lt;pid&gt;/status</c>. Shared by the load
/// test and the multi-instance integration tests (linked into both).
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly string _dataFolder;
    private readonly Queue<string> _lastLines = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<string>? _onLine;
    private int _errorLines;

    private ServerProcess(Process process, string dataFolder, Action<string>? onLine)
    {
        _process = process;
        _dataFolder = dataFolder;
        _onLine = onLine;
    }

    /// <summary>Where the server listens.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The server's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Lines the server logged at Error level or above (<c>fail:</c>, <c>crit:</c>).</summary>
    public int ErrorLines => Volatile.Read(ref _errorLines);

    /// <summary>The server's last log lines, for a report of what went wrong.</summary>
    public IReadOnlyList<string> LastLines
    {
        get
        {
            lock (_lastLines)
            {
                return [.. _lastLines];
            }
        }
    }

    /// <summary>The working folder (relative paths such as <c>--data exports</c> land here).</summary>
    public string Folder => _dataFolder;

    /// <summary>The CLI the calling project was built beside (<c>src/VoucherExport.Cli</c>, same configuration).</summary>
    public static string DefaultCliDll() =>
        typeof(ServerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "VoucherExportCliDll").Value!;

    /// <summary>
    /// Starts <c>serve --urls http://127.0.0.1:0</c> followed by <paramref name="serveArguments"/>, with
    /// <paramref name="environment"/> added to the process's, and waits until it listens and answers <c>/health</c>.
    /// <paramref name="onLine"/>, when given, hears every line the server writes from its first one on (on a reader thread).
    /// </summary>
    public static async Task<ServerProcess> StartAsync(
        string cliDll, IEnumerable<string> serveArguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout,
        Action<string>? onLine = null)
    {
        ArgumentNullException.ThrowIfNull(serveArguments);
        ArgumentNullException.ThrowIfNull(environment);
        string dll = Path.GetFullPath(cliDll);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"the CLI is not built at {dll}; build src/VoucherExport.Cli (the projects using this build it) or pass --cli", dll);
        }

        string data = Path.Combine(Path.GetTempPath(), "vx-serve", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        var start = new ProcessStartInfo("dotnet")
        {
            // The working folder is empty, so no appsettings.json but ours applies.
            WorkingDirectory = data,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["exec", dll, "serve", "--urls", "http://127.0.0.1:0", .. serveArguments])
        {
            start.ArgumentList.Add(arg);
        }

        // One line per export would flood the pipe; warnings (failed exports) and the bound address are enough.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var server = new ServerProcess(process, data, onLine);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var wait = new CancellationTokenSource(timeout);
            Task exited = process.WaitForExitAsync(wait.Token);
            Task first = await Task.WhenAny(server._listening.Task, exited);
            if (first != server._listening.Task)
            {
                throw new InvalidOperationException($"the server exited ({ExitCode(process)}) before listening:\n{string.Join('\n', server.LastLines)}");
            }

            server.Address = await server._listening.Task;
            using var http = new HttpClient { BaseAddress = server.Address };
            using HttpResponseMessage health = await http.GetAsync(new Uri("/health", UriKind.Relative), wait.Token);
            health.EnsureSuccessStatusCode();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The server's peak resident memory so far (VmHWM), in bytes; null where /proc is not available.</summary>
    public long? PeakWorkingSetBytes() => ReadStatus("VmHWM:");

    /// <summary>The server's resident memory now (VmRSS), in bytes; null where /proc is not available.</summary>
    public long? WorkingSetBytes() => ReadStatus("VmRSS:");

    /// <summary>Kills the server at once (SIGKILL: no shutdown, no clean-up), as a crash would.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Stops the server (SIGTERM, then kill after 15 s) and removes its data folder.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Stops the server as an operator would (SIGTERM, then kill after 15 s); its folder stays.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() || Kill(_process.Id, SigTerm) != 0)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
    }

    private long? ReadStatus(string key)
    {
        string path = $"/proc/{_process.Id}/status";
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                // "VmHWM:    123456 kB"
                string[] parts = line[key.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return null;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _onLine?.Invoke(line);
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 40)
            {
                _lastLines.Dequeue();
            }
        }

        if (line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _errorLines);
        }

        Match match = ListeningLine().Match(line);
        if (match.Success)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    private static string ExitCode(Process process) =>
        process.HasExited ? $"exit code {process.ExitCode}" : "still running";

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

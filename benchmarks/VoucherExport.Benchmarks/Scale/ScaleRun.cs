using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Benchmarks.Scale;

/// <summary>
/// The scale run (<c>-- --scale N</c>): exports of 1,000,000 and N rows from JSON Lines ledgers, both orders, from a
/// ledger already in the export's order (declared with <c>--source-order</c>, streamed) and from a shuffled one (sorted
/// by the external merge sort). Each export runs in its own <c>voucher-export</c> process, so the peak working set
/// (VmHWM) is that export's alone. Prints a table and writes it to <c>benchmarks/results/scale-&lt;date&gt;.md</c>.
/// </summary>
/// <remarks>
/// Ledgers are generated once and kept under <c>VOUCHER_EXPORT_SCALE_DATA</c> (default <c>/tmp/voucher-export-scale</c>)
/// for the next run; delete the folder to get the disk back (about 1.8 GB per million rows). Exports are written there
/// too and removed after each run. <c>VOUCHER_EXPORT_SCALE_REPEATS</c> sets the runs per case and size (default 3 at
/// one million rows, 1 at N, taking turns); the median time and the highest peak are reported.
/// </remarks>
internal static class ScaleRun
{
    private const long BaseRows = 1_000_000;
    private const int Seed = 42;

    // Measured on the demo ledger: ~570 bytes of JSON Lines, ~430 of runs and ~455 of CSV a row; three ledgers are kept.
    private const long DiskBytesPerRow = (3 * 600) + 500 + 400;

    // The issue's goals (issue 3, goals 4 and 5).
    private const double PeakLimitMb = 200;
    private const double PeakTolerance = 0.20;
    private const double TimeTolerance = 0.15;

    private static readonly string[] s_orders = ["created_at", "-created_at"];

    public static async Task<int> RunAsync(long rows)
    {
        if (rows < 1)
        {
            await Console.Error.WriteLineAsync("--scale needs a row count of at least 1");
            return 2;
        }

        string data = Environment.GetEnvironmentVariable("VOUCHER_EXPORT_SCALE_DATA")
            ?? Path.Combine(Path.GetTempPath(), "voucher-export-scale");
        Directory.CreateDirectory(data);
        string root = RepoRoot();

        long[] sizes = rows <= BaseRows ? [rows] : [BaseRows, FitToDisk(rows, data)];
        string cli = await BuildCliAsync(root);
        Console.WriteLine($"voucher-export: {cli}");
        Console.WriteLine($"data: {data} ({FreeBytes(data) / 1e9:N1} GB free)");

        var results = new List<Result>();
        ChildResult startup = await MeasureStartupAsync(cli, data);
        Console.WriteLine($"process start-up and 1,000-row export: {startup.Elapsed.TotalSeconds:N3} s wall, {startup.Cpu.TotalSeconds:N3} s CPU (taken off every time below)");
        Ledgers[] ledgers = [.. sizes.Select(size => Ledgers.Ensure(data, size, Seed))];
        int? repeatsSet = int.TryParse(Environment.GetEnvironmentVariable("VOUCHER_EXPORT_SCALE_REPEATS"), CultureInfo.InvariantCulture, out int r) && r > 0 ? r : null;
        foreach (string order in s_orders)
        {
            foreach (bool ordered in new[] { true, false })
            {
                // The sizes take turns (small, ..., large, small), so both see the same load on a shared machine.
                var runs = sizes.Select(_ => new List<ChildResult>()).ToArray();
                int smallRepeats = repeatsSet ?? 3;
                int largeRepeats = repeatsSet ?? 1;
                var plan = new List<int>();
                plan.AddRange(Enumerable.Repeat(0, sizes.Length == 1 ? smallRepeats : smallRepeats - 1));
                if (sizes.Length == 2)
                {
                    plan.AddRange(Enumerable.Repeat(1, largeRepeats));
                    plan.Add(0);
                }

                foreach (int s in plan)
                {
                    string ledger = !ordered ? ledgers[s].Shuffled : order == "created_at" ? ledgers[s].Ascending : ledgers[s].Descending;
                    WarmPageCache(ledger);
                    ChildResult run = await ExportAsync(cli, data, ledger, order, ordered, sizes[s]);
                    Console.WriteLine(
                        $"  {sizes[s],12:N0} {order,-11} {(ordered ? "ordered" : "shuffled"),-8} run {runs[s].Count + 1}: {run.Elapsed.TotalSeconds,8:N2} s wall, {run.Cpu.TotalSeconds,8:N2} s CPU, peak {run.PeakBytes / 1048576.0,7:N1} MB, load {LoadAverage()}");
                    runs[s].Add(run);
                }

                for (int s = 0; s < sizes.Length; s++)
                {
                    List<ChildResult> these = runs[s];
                    TimeSpan wall = these.Select(x => x.Elapsed).Order().ElementAt(these.Count / 2) - startup.Elapsed;
                    TimeSpan cpu = these.Select(x => x.Cpu).Order().ElementAt(these.Count / 2) - startup.Cpu;
                    results.Add(new Result(sizes[s], order, ordered, wall, cpu, these.Max(x => x.PeakBytes), these.Count));
                }
            }
        }

        results = [.. results.OrderBy(x => x.Rows)];
        string table = Report(results, sizes, startup, cli, rows);
        Console.WriteLine();
        Console.WriteLine(table);
        string resultsDir = Path.Combine(root, "benchmarks", "results");
        Directory.CreateDirectory(resultsDir);
        string file = Path.Combine(resultsDir, $"scale-{DateTime.UtcNow:yyyy-MM-dd}.md");
        await File.WriteAllTextAsync(file, table);
        Console.WriteLine($"written to {file}");
        return 0;
    }

    /// <summary>One export in a child process, its peak working set sampled from /proc every 10 ms.</summary>
    private static async Task<ChildResult> ExportAsync(string cli, string data, string ledger, string order, bool ordered, long expectedRows)
    {
        string output = Path.Combine(data, "out");
        DeleteFolder(output);
        string fields = string.Join(",", BenchmarkData.Fields.Select(f => $"\"{TransactionFields.Name(f)}\""));
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(cli);
        start.ArgumentList.Add("export");
        start.ArgumentList.Add("--source");
        start.ArgumentList.Add(ledger);
        if (ordered)
        {
            start.ArgumentList.Add("--source-order");
            start.ArgumentList.Add(order);
        }

        start.ArgumentList.Add("--parameters");
        start.ArgumentList.Add($$"""{"order":"{{order}}","fields":[{{fields}}]}""");
        start.ArgumentList.Add("--out");
        start.ArgumentList.Add(output);
        start.ArgumentList.Add("--quiet");

        TimeSpan cpuBefore = ChildrenCpu();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        string status = $"/proc/{process.Id}/status";
        while (!process.HasExited)
        {
            peak = Math.Max(peak, ReadHighWaterMark(status));
            await Task.Delay(10);
        }

        await process.WaitForExitAsync();
        clock.Stop();
        string final = await stdout;
        DeleteFolder(output);
        if (process.ExitCode != 0 || ExportedRows(final) != expectedRows)
        {
            throw new InvalidOperationException($"export of {ledger} ({order}) failed with exit code {process.ExitCode}: {final} {await stderr}");
        }

        return new ChildResult(clock.Elapsed, ChildrenCpu() - cpuBefore, peak);
    }

    private static long ExportedRows(string finalJson)
    {
        try
        {
            using var final = JsonDocument.Parse(finalJson);
            return final.RootElement.GetProperty("status").GetString() == "DONE"
                ? final.RootElement.GetProperty("result").GetProperty("rows").GetInt64()
                : -1;
        }
        catch (JsonException)
        {
            return -1;
        }
    }

    /// <summary>VmHWM (the process's peak resident set) in bytes, or 0 once the process is gone.</summary>
    private static long ReadHighWaterMark(string statusPath)
    {
        try
        {
            foreach (string line in File.ReadLines(statusPath))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }

    /// <summary>The fixed cost of a child (runtime start, JIT, registry) measured on a tiny export, median of five.</summary>
    private static async Task<ChildResult> MeasureStartupAsync(string cli, string data)
    {
        string tiny = Ledgers.Ensure(data, 1000, Seed).Ascending;
        var runs = new List<ChildResult>();
        for (int i = 0; i < 5; i++)
        {
            runs.Add(await ExportAsync(cli, data, tiny, "created_at", ordered: true, 1000));
        }

        return new ChildResult(runs.Select(r => r.Elapsed).Order().ElementAt(2), runs.Select(r => r.Cpu).Order().ElementAt(2), runs.Max(r => r.PeakBytes));
    }

    private static async Task<string> BuildCliAsync(string root)
    {
        string project = Path.Combine(root, "src", "VoucherExport.Cli", "VoucherExport.Cli.csproj");
        var build = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string arg in new[] { "build", project, "-c", "Release", "-nologo", "-v", "q" })
        {
            build.ArgumentList.Add(arg);
        }

        using var process = Process.Start(build)!;
        string log = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"building {project} failed:\n{log}");
        }

        return Path.Combine(root, "src", "VoucherExport.Cli", "bin", "Release", "net10.0", "voucher-export.dll");
    }

    /// <summary>The requested size, or the biggest whole million the free disk holds (ledgers, runs and output), said out loud.</summary>
    private static long FitToDisk(long rows, string data)
    {
        long free = FreeBytes(data);
        long have = Directory.EnumerateFiles(data, "*.jsonl").Sum(f => new FileInfo(f).Length);
        long fits = (long)((free + have) * 0.9 / DiskBytesPerRow);
        if (rows <= fits)
        {
            return rows;
        }

        long size = Math.Max(BaseRows, fits / BaseRows * BaseRows);
        Console.Error.WriteLine(
            $"warning: {rows:N0} rows need about {rows * DiskBytesPerRow / 1e9:N1} GB in {data}, only {free / 1e9:N1} GB free; running {size:N0} rows instead");
        return size;
    }

    private static long FreeBytes(string path) => new DriveInfo(Path.GetFullPath(path)).AvailableFreeSpace;

    /// <summary>Reads the ledger once so every run of it starts from the same (cached) state.</summary>
    /// <summary>
    /// Asks the kernel to drop <paramref name="paths"/> from the page cache (<c>posix_fadvise</c> DONTNEED; Linux only,
    /// nothing elsewhere). At 10M rows the three ledgers alone are 17 GB: left cached beside a 4.5 GB output and
    /// DuckDB's sort, they made the kernel reclaim memory inside whichever export ran, a cost that fell on either side.
    /// </summary>
    internal static void EvictPageCache(IEnumerable<string> paths)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        foreach (string path in paths.Where(File.Exists))
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle file = File.OpenHandle(path);
            _ = PosixFadvise((int)file.DangerousGetHandle(), 0, 0, PosixFadviseDontNeed);
        }
    }

    private const int PosixFadviseDontNeed = 4;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int PosixFadvise(int fd, long offset, long length, int advice);

    internal static void WarmPageCache(string path)
    {
        var buffer = new byte[1 << 20];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);
        while (file.Read(buffer) > 0)
        {
        }
    }

    private static void DeleteFolder(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VoucherExport.Core.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run from the repository: VoucherExport.Core.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Report(List<Result> results, long[] sizes, ChildResult startup, string cli, long requested)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Scale run, {DateTime.UtcNow:yyyy-MM-dd}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`dotnet run -c Release --project benchmarks/VoucherExport.Benchmarks -- --scale {requested}`");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- machine: {CpuModel()}, {Environment.ProcessorCount} cores, {MemoryGb():N0} GB RAM, {RuntimeInformation.OSDescription}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- runtime: {RuntimeInformation.FrameworkDescription}; each export in its own `voucher-export` process ({Path.GetFileName(cli)}, Release, workstation non-concurrent GC), default `SortOptions` (64 MiB budget)");
        md.AppendLine(CultureInfo.InvariantCulture, $"- ledgers: `DemoLedger(rows, seed: {Seed}).WriteJsonLines`, all 12 fields exported to CSV chunk files on the same disk; \"ordered\" = a ledger already in the export's order, declared with `--source-order` (streamed, verified); \"shuffled\" = the same rows in random order, no declaration (external merge sort)");
        md.AppendLine(CultureInfo.InvariantCulture, $"- seconds: wall time of the child process minus {startup.Elapsed.TotalSeconds:N3} s measured for start-up and a 1,000-row export; CPU: the child's user + system time (getrusage) minus the same start-up's {startup.Cpu.TotalSeconds:N3} s; medians of the repeats, the sizes taking turns (1M, 1M, N, 1M) so both see the same load. Peak = the child's VmHWM (peak resident set) sampled every 10 ms, highest of the repeats. Ledgers are read once before, so they come from the page cache");
        md.AppendLine(CultureInfo.InvariantCulture, $"- load average when the run ended: {LoadAverage()} (the machine is shared; CPU time is the steadier measure when it is busy)");
        md.AppendLine();
        md.AppendLine("| rows | order | source | repeats | seconds | rows/s | CPU s | CPU µs/row | peak working set MB |");
        md.AppendLine("|--:|---|---|--:|--:|--:|--:|--:|--:|");
        foreach (Result r in results)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Rows:N0} | `{r.Order}` | {(r.Ordered ? "ordered" : "shuffled")} | {r.Repeats} | {r.Elapsed.TotalSeconds:N2} | {r.Rows / r.Elapsed.TotalSeconds:N0} | {r.Cpu.TotalSeconds:N2} | {r.Cpu.TotalMicroseconds / r.Rows:N2} | {r.PeakBytes / 1048576.0:N1} |");
        }

        if (sizes.Length == 2)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Ratios, {sizes[1]:N0} rows against {sizes[0]:N0} (goal: time per row ≤ {1 + TimeTolerance:N2}×, peak within ±{PeakTolerance:P0} and under {PeakLimitMb:N0} MB):");
            md.AppendLine();
            md.AppendLine("| order | source | wall time per row | CPU time per row | peak working set | goals (CPU time, peak) |");
            md.AppendLine("|---|---|--:|--:|--:|---|");
            foreach (Result big in results.Where(r => r.Rows == sizes[1]))
            {
                Result small = results.Single(r => r.Rows == sizes[0] && r.Order == big.Order && r.Ordered == big.Ordered);
                double time = (big.Elapsed.TotalSeconds / big.Rows) / (small.Elapsed.TotalSeconds / small.Rows);
                double cpu = (big.Cpu.TotalSeconds / big.Rows) / (small.Cpu.TotalSeconds / small.Rows);
                double peak = (double)big.PeakBytes / small.PeakBytes;
                bool ok = cpu <= 1 + TimeTolerance && Math.Abs(peak - 1) <= PeakTolerance
                    && big.PeakBytes / 1048576.0 < PeakLimitMb && small.PeakBytes / 1048576.0 < PeakLimitMb;
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| `{big.Order}` | {(big.Ordered ? "ordered" : "shuffled")} | {time:N3} | {cpu:N3} | {peak:N3} | {(ok ? "met" : "missed")} |");
            }
        }

        return md.ToString();
    }

    internal static string CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    private static double MemoryGb() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9;

    /// <summary>
    /// User plus system CPU time of every child reaped so far (getrusage RUSAGE_CHILDREN): the difference around one
    /// export is that export's CPU time, exact, and unlike wall time barely moved by other load on the machine.
    /// </summary>
    private static TimeSpan ChildrenCpu()
    {
        const int children = -1;
        if (!OperatingSystem.IsLinux() || GetResourceUsage(children, out ResourceUsage usage) != 0)
        {
            return TimeSpan.Zero;
        }

        long micros = (usage.UserSeconds * 1_000_000) + usage.UserMicroseconds + (usage.SystemSeconds * 1_000_000) + usage.SystemMicroseconds;
        return TimeSpan.FromMicroseconds(micros);
    }

    [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static extern int GetResourceUsage(int who, out ResourceUsage usage);

    /// <summary>struct rusage on 64-bit Linux: two timevals, then fourteen longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxResidentKb;
        private readonly long _ixrss, _idrss, _isrss, _minflt, _majflt, _nswap, _inblock, _oublock, _msgsnd, _msgrcv, _nsignals, _nvcsw, _nivcsw;
    }

    private sealed record ChildResult(TimeSpan Elapsed, TimeSpan Cpu, long PeakBytes);

    private sealed record Result(long Rows, string Order, bool Ordered, TimeSpan Elapsed, TimeSpan Cpu, long PeakBytes, int Repeats);

    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>
    /// The three ledgers of one size: ascending (as generated), descending and shuffled (the same lines, rewritten in
    /// that order from an index of line offsets). Each is written under a temporary name and renamed when complete.
    /// </summary>
    internal sealed record Ledgers(string Ascending, string Descending, string Shuffled)
    {
        public static Ledgers Ensure(string data, long rows, int seed)
        {
            string stem = Path.Combine(data, $"ledger-{rows}-seed{seed}");
            var ledgers = new Ledgers(stem + "-asc.jsonl", stem + "-desc.jsonl", stem + "-shuffled.jsonl");
            if (!File.Exists(ledgers.Ascending))
            {
                Console.WriteLine($"generating {rows:N0} rows into {ledgers.Ascending}");
                WriteAtomically(ledgers.Ascending, stream => new DemoLedger(rows, seed).WriteJsonLines(stream));
            }

            if (File.Exists(ledgers.Descending) && File.Exists(ledgers.Shuffled))
            {
                return ledgers;
            }

            long[] offsets = LineOffsets(ledgers.Ascending);
            int count = offsets.Length - 1;
            if (!File.Exists(ledgers.Descending))
            {
                Console.WriteLine($"writing {ledgers.Descending}");
                var backwards = new int[count];
                for (int i = 0; i < count; i++)
                {
                    backwards[i] = count - 1 - i;
                }

                WriteAtomically(ledgers.Descending, stream => CopyLines(ledgers.Ascending, offsets, backwards, stream));
            }

            if (!File.Exists(ledgers.Shuffled))
            {
                Console.WriteLine($"writing {ledgers.Shuffled}");
                int[] shuffled = [.. Enumerable.Range(0, count)];
                new Random(seed).Shuffle(shuffled);
                WriteAtomically(ledgers.Shuffled, stream => CopyLines(ledgers.Ascending, offsets, shuffled, stream));
            }

            return ledgers;
        }

        private static void WriteAtomically(string path, Action<Stream> write)
        {
            string temp = path + ".tmp";
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(file);
            }

            File.Move(temp, path, overwrite: true);
        }

        /// <summary>The offset of every line start, and the file length last.</summary>
        private static long[] LineOffsets(string path)
        {
            var offsets = new List<long> { 0 };
            var buffer = new byte[1 << 20];
            long position = 0;
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);
            int read;
            while ((read = file.Read(buffer)) > 0)
            {
                ReadOnlySpan<byte> span = buffer.AsSpan(0, read);
                int at;
                int from = 0;
                while ((at = span[from..].IndexOf((byte)'\n')) >= 0)
                {
                    from += at + 1;
                    offsets.Add(position + from);
                }

                position += read;
            }

            if (offsets[^1] != position)
            {
                offsets.Add(position);
            }

            return [.. offsets];
        }

        private static void CopyLines(string source, long[] offsets, int[] order, Stream output)
        {
            using SafeFileHandle file = File.OpenHandle(source, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            var line = new byte[64 * 1024];
            foreach (int i in order)
            {
                int length = (int)(offsets[i + 1] - offsets[i]);
                if (length > line.Length)
                {
                    line = new byte[length];
                }

                int read = RandomAccess.Read(file, line.AsSpan(0, length), offsets[i]);
                if (read != length)
                {
                    throw new IOException($"{source}: short read at {offsets[i]}");
                }

                output.Write(line, 0, length);
            }
        }
    }
}

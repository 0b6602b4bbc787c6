using System.Globalization;

namespace VoucherExport.LoadTest;

/// <summary>What one load run does. Immutable; <see cref="Validate"/> names the first bad option.</summary>
public sealed record LoadOptions
{
    /// <summary>32 clients: many more than the export bound, so exports must queue.</summary>
    public int Clients { get; init; } = 32;

    /// <summary>60 s: long enough for the queue to fill and drain many times over.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// 5 s at the start whose latencies and request rate are left out (a cold server JITs and grows its thread pool);
    /// errors and byte checks count from the first request.
    /// </summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A cap on iterations per client (null: until the duration ends); the smoke test uses it to stay deterministic.</summary>
    public int? IterationsPerClient { get; init; }

    /// <summary>100,000 rows: the server's own demo default.</summary>
    public long Rows { get; init; } = 100_000;

    /// <summary>The demo ledger's seed; the server's default is 1.</summary>
    public int LedgerSeed { get; init; } = 1;

    /// <summary>Seeds the request mix (templates and each client's choices), so two runs send the same requests.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>2: the bound is what is under test; a small one makes the queue visible on any machine.</summary>
    public int MaxConcurrentExports { get; init; } = 2;

    /// <summary>2,000 rows per chunk, so campaign-sized exports span several chunks and ranges cross them.</summary>
    public long MaxChunkRows { get; init; } = 2_000;

    /// <summary>48 distinct exports: enough variety, few enough that every expected CSV is computed once up front.</summary>
    public int Templates { get; init; } = 48;

    /// <summary>How long a client waits between polls of a running export; 100 ms, a busy but plausible client.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the monitor lists exports to see how many run and how many wait; 50 ms.</summary>
    public TimeSpan MonitorInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Share of iterations (percent) that delete the export right after creating it, cancelling it mid-queue or mid-run.</summary>
    public int CancelPercent { get; init; } = 10;

    /// <summary>
    /// Instances of one service (null: a single server on the demo ledger, as before). With a number, the demo ledger is
    /// loaded into PostgreSQL (<c>VX_POSTGRES</c>) and every instance shares it and one PostgreSQL registry, and one S3
    /// bucket when <c>VX_S3_*</c> are set (else one folder); requests go to the instances in turn.
    /// </summary>
    public int? Instances { get; init; }

    /// <summary>With <see cref="Instances"/> of 2 or more: kill the last instance (SIGKILL) this long after the start.</summary>
    public TimeSpan? KillAfter { get; init; }

    /// <summary>With <see cref="Instances"/>: the instances' lease (null: the server's default, 30 s); the heartbeat is a third of it.</summary>
    public TimeSpan? Lease { get; init; }

    /// <summary>Exports the whole service runs at once: the bound per instance times the instances.</summary>
    public int ServiceBound => MaxConcurrentExports * (Instances ?? 1);

    /// <summary>The application the clients call as; the server's demo application by default.</summary>
    public string AppId { get; init; } = "demo-app";

    /// <summary>The token of <see cref="AppId"/>.</summary>
    public string AppToken { get; init; } = "demo-token";

    /// <summary>How long after <see cref="Duration"/> clients may take to finish the iteration they are in; then it counts as an error.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public LoadOptions Validate()
    {
        if (Clients is < 1 or > 1000)
        {
            throw new ArgumentException($"--clients must be 1 to 1000, not {Clients}");
        }

        if (Duration <= TimeSpan.Zero)
        {
            throw new ArgumentException($"--duration must be more than 0 seconds, not {Duration.TotalSeconds}");
        }

        if (Warmup < TimeSpan.Zero || Warmup >= Duration)
        {
            throw new ArgumentException($"--warmup must be 0 or more and less than --duration, not {Warmup.TotalSeconds}");
        }

        if (IterationsPerClient is < 1)
        {
            throw new ArgumentException($"--iterations must be at least 1, not {IterationsPerClient}");
        }

        if (Rows is < 1 or > 10_000_000)
        {
            throw new ArgumentException($"--rows must be 1 to 10,000,000, not {Rows}");
        }

        if (MaxConcurrentExports < 1)
        {
            throw new ArgumentException($"--max-concurrent-exports must be at least 1, not {MaxConcurrentExports}");
        }

        if (MaxChunkRows < 1)
        {
            throw new ArgumentException($"--max-chunk-rows must be at least 1, not {MaxChunkRows}");
        }

        if (Templates < 1)
        {
            throw new ArgumentException($"--templates must be at least 1, not {Templates}");
        }

        if (Instances is < 1 or > 16)
        {
            throw new ArgumentException($"--instances must be 1 to 16, not {Instances}");
        }

        if (KillAfter is not null && (Instances is null or < 2 || KillAfter >= Duration))
        {
            throw new ArgumentException("--kill-after needs --instances 2 or more and must be less than --duration");
        }

        if (CancelPercent is < 0 or > 100)
        {
            throw new ArgumentException($"--cancel-percent must be 0 to 100, not {CancelPercent}");
        }

        if (PollInterval < TimeSpan.Zero || MonitorInterval <= TimeSpan.Zero || Grace < TimeSpan.Zero)
        {
            throw new ArgumentException("--poll-ms must be 0 or more and --monitor-ms more than 0");
        }

        return this;
    }

    /// <summary>Reads <c>--name value</c> pairs over the defaults.</summary>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value");
            }

            string value = args[++i];
            options = name switch
            {
                "--clients" => options with { Clients = Int(name, value) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Double(name, value)) },
                "--warmup" => options with { Warmup = value == "0" ? TimeSpan.Zero : TimeSpan.FromSeconds(Double(name, value)) },
                "--iterations" => options with { IterationsPerClient = Int(name, value) },
                "--rows" => options with { Rows = Long(name, value) },
                "--ledger-seed" => options with { LedgerSeed = Int(name, value) },
                "--seed" => options with { Seed = Int(name, value) },
                "--max-concurrent-exports" => options with { MaxConcurrentExports = Int(name, value) },
                "--max-chunk-rows" => options with { MaxChunkRows = Long(name, value) },
                "--templates" => options with { Templates = Int(name, value) },
                "--poll-ms" => options with { PollInterval = TimeSpan.FromMilliseconds(Int(name, value)) },
                "--monitor-ms" => options with { MonitorInterval = TimeSpan.FromMilliseconds(Int(name, value)) },
                "--cancel-percent" => options with { CancelPercent = Int(name, value) },
                "--instances" => options with { Instances = Int(name, value) },
                "--lease-s" => options with { Lease = TimeSpan.FromSeconds(Double(name, value)) },
                "--kill-after" => options with { KillAfter = TimeSpan.FromSeconds(Double(name, value)) },
                _ => throw new ArgumentException($"unknown option {name}; see --help"),
            };
        }

        return options.Validate();
    }

    /// <summary>The options as the command line that gives them.</summary>
    public string ToCommandLine() => string.Create(CultureInfo.InvariantCulture,
        $"--clients {Clients} --duration {Duration.TotalSeconds} --warmup {Warmup.TotalSeconds} --rows {Rows} --seed {Seed} --max-concurrent-exports {MaxConcurrentExports} --max-chunk-rows {MaxChunkRows} --templates {Templates} --poll-ms {PollInterval.TotalMilliseconds} --cancel-percent {CancelPercent}{(Instances is { } n ? $" --instances {n}" : "")}{(KillAfter is { } k ? $" --kill-after {k.TotalSeconds}" : "")}{(Lease is { } l ? $" --lease-s {l.TotalSeconds}" : "")}");

    private static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int result)
            ? result
            : throw new ArgumentException($"{name}: '{value}' is not a whole number");

    private static long Long(string name, string value) =>
        long.TryParse(value, NumberStyles.Integer | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out long result)
            ? result
            : throw new ArgumentException($"{name}: '{value}' is not a whole number");

    private static double Double(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double result) && result > 0 && double.IsFinite(result)
            ? result
            : throw new ArgumentException($"{name}: '{value}' is not a positive number of seconds");
}

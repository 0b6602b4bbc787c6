using System.CommandLine;
using System.Text;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Registry;

namespace VoucherExport.Cli;

/// <summary><c>voucher-export export</c>: runs one export on the embedded default (in-process registry, files on disk).</summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var source = new Option<string>("--source") { Description = "The ledger: a .jsonl or .csv file, demo:N for N generated rows, or a PostgreSQL table (postgres://user:pw@host:port/db?schema=…&table=…&partitions=N, or Host=…;Username=…).", Required = true };
        var vouchers = new Option<string?>("--vouchers") { Description = "Vouchers (JSON Lines) to resolve voucher codes, campaigns and member cards." };
        var voucher = new Option<string?>("--voucher") { Description = "Export one voucher's transactions (code or v_ id), as POST /v1/vouchers/{code}/transactions/export." };
        var campaign = new Option<string?>("--campaign") { Description = "Export one campaign's transactions, as POST /v1/campaigns/{id}/transactions/export." };
        var member = new Option<string?>("--member") { Description = "Export one loyalty member card's transactions (code or v_ id)." };
        var parameters = new Option<string?>("--parameters") { Description = "The export parameters as JSON, or @file.json (SPEC §2)." };
        var sinks = new SinkOption();
        var maxBytes = new Option<long?>("--max-chunk-bytes") { Description = "Most bytes a chunk holds, header included (default 67108864)." };
        var maxRows = new Option<long?>("--max-chunk-rows") { Description = "Most records a chunk holds (default: no limit)." };
        var compress = new Option<string>("--compress") { Description = "none (default) or gzip: store chunks as part-00001.csv.gz; --max-chunk-bytes then bounds the compressed bytes, and the manifest gives both sizes.", DefaultValueFactory = _ => "none" };
        var compressLevel = new Option<int?>("--compress-level") { Description = $"The gzip level, {ChunkLimits.MinCompressionLevel} (fastest) to {ChunkLimits.MaxCompressionLevel} (smallest); default {ChunkLimits.DefaultCompressionLevel}." };
        var header = new Option<string>("--header") { Description = "labels (Voucherify-style, default) or names (raw field names).", DefaultValueFactory = _ => "labels" };
        var newline = new Option<string>("--newline") { Description = "crlf (default, RFC 4180) or lf.", DefaultValueFactory = _ => "crlf" };
        var delimiter = new Option<string>("--delimiter") { Description = "',' (default), ';', '|' or tab (give 'tab' or '\\t').", DefaultValueFactory = _ => "," };
        var bom = new Option<bool>("--bom") { Description = "Start every chunk with a UTF-8 BOM (for Excel)." };
        var guard = new Option<bool>("--formula-guard") { Description = "Prefix text cells starting with = + - @ tab CR LF with ' (numbers are never touched)." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress on stderr." };
        var json = new Option<bool>("--json") { Description = "Progress as JSON lines on stderr; the final export object as one JSON line on stdout." };
        var sourceOrder = new Option<string?>("--source-order") { Description = "The order a .jsonl ledger is already in (created_at or -created_at): an export in that order streams without sorting, and fails if a row is out of order." };
        var skipMalformed = new Option<bool>("--skip-malformed") { Description = "Skip ledger rows that cannot be read (bad JSON or cell, missing field, invalid UTF-8, a line over the limit) and count them in result.skipped_rows, instead of failing on the first (the default). Only for .jsonl and .csv ledgers." };
        var retryAttempts = new Option<int?>("--retry-attempts") { Description = $"Runs in all when the export fails on a transient fault (a dropped connection, a timeout, an S3 503), each from nothing: default {ExportRetryOptions.DefaultMaxAttempts}, 2 s before the first retry, doubling up to 30 s; 1 turns retries off." };
        var threads = new Option<int?>("--threads") { Description = $"Cores the export uses: parsing a file ledger, formatting, hashing; default all ({ChunkedCsvWriter.AllCores} here), 1 to {ChunkedCsvWriter.MaxParallelism}. The chunks are the same bytes whatever the count." };
        var command = new Command("export", """
            Runs a voucher-transactions export (to a folder, or to S3 with --sink s3://bucket/prefix) and prints the final export object as JSON on stdout.
            Exit codes: 0 DONE, 1 ERROR (see "error"), 2 bad input (error JSON on stderr, nothing written), 130 cancelled.
            Example: voucher-export export --source demo:100000 --out exports --parameters '{"order":"created_at","fields":["id","amount","created_at"]}'
            Example: voucher-export export --source demo:1000000 --out exports --compress gzip --max-chunk-bytes 8388608
            """)
        {
            source, vouchers, voucher, campaign, member, parameters, maxBytes, maxRows, compress, compressLevel, header, newline, delimiter, bom, guard, quiet, json, sourceOrder, skipMalformed, retryAttempts, threads,
        };
        foreach (Option option in sinks.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            // Everything is checked before the registry exists, so bad input writes nothing under --out.
            var format = new CsvFormat
            {
                Header = parse.GetValue(header) switch
                {
                    "labels" => CsvHeaderStyle.Labels,
                    "names" => CsvHeaderStyle.Names,
                    var other => throw new CliInputException("--header", $"'{other}' is not labels or names"),
                },
                Newline = parse.GetValue(newline) switch
                {
                    "crlf" => CsvNewline.CrLf,
                    "lf" => CsvNewline.Lf,
                    var other => throw new CliInputException("--newline", $"'{other}' is not crlf or lf"),
                },
                Delimiter = ParseDelimiter(parse.GetValue(delimiter)!),
                Bom = parse.GetValue(bom),
                FormulaGuard = parse.GetValue(guard),
            };
            var limits = new ChunkLimits
            {
                MaxChunkBytes = parse.GetValue(maxBytes) ?? ChunkLimits.DefaultMaxChunkBytes,
                MaxChunkRows = parse.GetValue(maxRows),
                Compression = parse.GetValue(compress) switch
                {
                    "none" => ChunkCompression.None,
                    "gzip" => ChunkCompression.Gzip,
                    var other => throw new CliInputException("--compress", $"'{other}' is not none or gzip"),
                },
                CompressionLevel = parse.GetValue(compressLevel) ?? ChunkLimits.DefaultCompressionLevel,
            };
            try
            {
                limits.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw e.ParamName switch
                {
                    nameof(ChunkLimits.MaxChunkRows) => new CliInputException("--max-chunk-rows", "must be at least 1"),
                    nameof(ChunkLimits.CompressionLevel) => new CliInputException(
                        "--compress-level", $"must be between {ChunkLimits.MinCompressionLevel} and {ChunkLimits.MaxCompressionLevel}"),
                    _ => new CliInputException("--max-chunk-bytes", "must be at least 1"),
                };
            }

            int attempts = parse.GetValue(retryAttempts) ?? ExportRetryOptions.DefaultMaxAttempts;
            if (attempts is < 1 or > ExportRetryOptions.MaxAllowedAttempts)
            {
                throw new CliInputException("--retry-attempts", $"must be between 1 and {ExportRetryOptions.MaxAllowedAttempts}, not {attempts}");
            }

            int cores = parse.GetValue(threads) ?? ChunkedCsvWriter.AllCores;
            if (cores is < 1 or > ChunkedCsvWriter.MaxParallelism)
            {
                throw new CliInputException("--threads", $"must be between 1 and {ChunkedCsvWriter.MaxParallelism}, not {cores}");
            }

            ExportParameters exportParameters = ReadParameters(parse.GetValue(parameters));
            ExportScope scope = ReadScope(parse.GetValue(voucher), parse.GetValue(campaign), parse.GetValue(member));
            var (ledger, directory, description) = SourceOption.Open(
                parse.GetValue(source)!, parse.GetValue(vouchers), parse.GetValue(sourceOrder), parse.GetValue(skipMalformed));
            using SinkOption.Target target = sinks.Open(parse, Environment.GetEnvironmentVariable);

            await using var registry = new ExportRegistry(
                new InMemoryExportStore(), ledger, target.Factory,
                new ExportRegistryOptions { MaxConcurrentExports = 1, Parallelism = cores, Retry = new ExportRetryOptions { MaxAttempts = attempts } }, directory);
            ExportObject created = await registry.CreateAsync(
                "cli", scope, exportParameters, new ExportCreateOptions { Csv = format, Chunks = limits }, ct);

            var display = ProgressDisplay.Create(stderr, parse.GetValue(quiet), parse.GetValue(json));
            await display.StartedAsync(created.Id, $"{created.Id}: exporting {description} to {target.Describe(created.Id)}");
            ExportObject final = await WaitWithProgressAsync(registry, created.Id, display, ct);
            await stdout.WriteLineAsync(Encoding.UTF8.GetString(ExportJson.ToUtf8(final, indented: !parse.GetValue(json))));
            return final.Status == ExportStatus.Done ? ExitCodes.Done : ExitCodes.ExportFailed;
        });
        return command;
    }

    private static async Task<ExportObject> WaitWithProgressAsync(ExportRegistry registry, string id, ProgressDisplay display, CancellationToken ct)
    {
        Task<ExportObject?> done = registry.WaitAsync("cli", id, ct);
        while (!done.IsCompleted)
        {
            await Task.WhenAny(done, Task.Delay(display.Interval, ct));
            if (display.Enabled && await registry.GetAsync("cli", id, ct) is { Progress: { } p })
            {
                await display.ShowAsync(p);
            }
        }

        ExportObject final = (await done)!;
        await display.FinishedAsync(final);
        return final;
    }

    internal static ExportParameters ReadParameters(string? value)
    {
        if (value is null)
        {
            return ExportParameters.Default;
        }

        byte[] json;
        if (value.StartsWith('@'))
        {
            string path = value[1..];
            if (!File.Exists(path))
            {
                throw new CliInputException("--parameters", $"no such file: {path}");
            }

            json = File.ReadAllBytes(path);
        }
        else
        {
            json = Encoding.UTF8.GetBytes(value);
        }

        return ExportParametersParser.Parse(json);
    }

    private static ExportScope ReadScope(string? voucher, string? campaign, string? member)
    {
        int given = (voucher is null ? 0 : 1) + (campaign is null ? 0 : 1) + (member is null ? 0 : 1);
        if (given > 1)
        {
            throw new CliInputException("--voucher/--campaign/--member", "give at most one scope");
        }

        return voucher is not null ? ExportScope.Voucher(voucher)
            : campaign is not null ? ExportScope.Campaign(campaign)
            : member is not null ? ExportScope.LoyaltyMember(null, member)
            : ExportScope.All;
    }

    private static char ParseDelimiter(string value) => value switch
    {
        "," => ',',
        ";" => ';',
        "|" => '|',
        "\t" or "tab" or "\\t" => '\t',
        _ => throw new CliInputException("--delimiter", $"'{value}' is not one of , ; | tab"),
    };
}

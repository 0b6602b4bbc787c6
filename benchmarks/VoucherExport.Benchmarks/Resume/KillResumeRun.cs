using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Npgsql;
using VoucherExport.Demo;
using VoucherExport.PostgreSql;
using VoucherExport.Testing;

namespace VoucherExport.Benchmarks.Resume;

/// <summary>
/// The kill-and-resume measurement of issue 12 (<c>-- --kill-resume ROWS</c>, wrapped by <c>scripts/measure-resume</c>):
/// a demo ledger of ROWS rows in PostgreSQL, one <c>voucher-export serve</c> on a PostgreSQL registry storing 8 MiB chunks
/// in S3, one export. First the export runs uninterrupted (the expected bytes and the baseline); then again, its server
/// killed with SIGKILL every <c>--kill-every</c> seconds (default 20) of its life and started again, until DONE. Reports
/// wall time, kills, attempts, the export's rows, the rows PostgreSQL read for it and their ratio, and whether the two
/// downloads are the same bytes. With <c>--ledger-file F.jsonl</c> the ledger is that JSON Lines file instead (written
/// from the demo ledger in <c>created_at</c> order when missing), served with <c>Ledger:Order=created_at</c>, and what is
/// counted is the bytes the servers read: resumed attempts seek to the byte offset their last chunk recorded.
/// </summary>
/// <remarks>
/// "Rows read" is PostgreSQL's own count, independent of ours: the growth of <c>seq_tup_read + idx_tup_fetch</c> of the
/// ledger table in <c>pg_stat_user_tables</c> over the export (a delta, so no superuser is needed to reset counters). It
/// is read after the server stopped and every backend of its <c>application_name</c> ended (a backend flushes its counts
/// when it exits), once two reads half a second apart agree. The cross-check from our side sums, over the attempts, the
/// rows each attempt wrote beyond the chunks recorded before it started (the further of its own recorded chunks and its
/// last progress seen in the registry, renewed every second, so up to a second of a killed attempt's work is missed: a
/// lower bound).
/// The ledger stays in schema <c>vx_kill_resume_ROWS</c> for the next run (reused when its row count matches); the
/// registry schema and the bucket are made for the run and removed after it.
/// With a ledger file, "bytes read" is the growth of <c>rchar</c> in <c>/proc/PID/io</c> of each server process (every
/// byte its read calls returned: the file, and a little of sockets and configuration), sampled with each poll; a killed
/// server's count is its last sample, up to a poll (250 ms) before the kill, so the figure is a lower bound by that much.
/// </remarks>
internal static class KillResumeRun
{
    private const string App = "bench";
    private const string Token = "kill-resume-token-0001";
    private const string ApplicationName = "vx-kill-resume";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Bound = TimeSpan.FromHours(2);

    /// <summary>Runs the measurement; returns 0 when the killed export ended DONE with the uninterrupted export's bytes.</summary>
    public static async Task<int> RunAsync(
        long rows, TimeSpan killEvery, long chunkBytes, TimeSpan lease, string parameters, string cliDll, string? ledgerFile = null)
    {
        string postgres = Required("VX_POSTGRES");
        string endpoint = Required("VX_S3_ENDPOINT");
        string loadBefore = LoadAverage();
        var total = Stopwatch.StartNew();
        string run = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var settings = new Settings(
            postgres, endpoint, Required("VX_S3_ACCESS_KEY"), Required("VX_S3_SECRET_KEY"),
            new PostgresLedgerOptions { Schema = $"vx_kill_resume_{rows}" }, $"vx_kr_reg_{run}", $"vx-kill-resume-{run}",
            chunkBytes, lease, parameters, cliDll, ledgerFile is null ? null : Path.GetFullPath(ledgerFile));
        Console.WriteLine($"# kill and resume: {rows:N0} rows{(ledgerFile is null ? " in PostgreSQL" : $" in {ledgerFile}")}, {chunkBytes / (1024.0 * 1024):N0} MiB chunks, kill every {killEvery.TotalSeconds:N0} s, lease {lease.TotalSeconds:N0} s");
        Console.WriteLine($"load average before: {loadBefore}");

        await using NpgsqlDataSource dataSource = NpgsqlDataSource.Create(postgres);
        using var s3 = new AmazonS3Client(new BasicAWSCredentials(settings.AccessKey, settings.SecretKey),
            new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true });
        try
        {
            var load = Stopwatch.StartNew();
            long have = settings.LedgerFile is { } file ? await FileLedgerAsync(file, rows) : await CountAsync(dataSource, settings.Ledger);
            if (settings.LedgerFile is not null)
            {
                Console.WriteLine($"ledger {settings.LedgerFile}: {rows:N0} rows, {have:N0} bytes (in {load.Elapsed.TotalSeconds:N1} s)");
            }
            else if (have == rows)
            {
                Console.WriteLine($"ledger {settings.Ledger.Schema}.{settings.Ledger.Table}: {rows:N0} rows already there, reused");
            }
            else
            {
                await BulkLedgerLoad.LoadAsync(dataSource, settings.Ledger, new DemoLedger(rows, seed: 42));
                Console.WriteLine($"ledger {settings.Ledger.Schema}.{settings.Ledger.Table}: {rows:N0} demo rows loaded in {load.Elapsed.TotalSeconds:N1} s");
            }

            Outcome baseline = await ExportAsync(dataSource, settings, killEvery: null);
            Print("uninterrupted", baseline);
            Outcome killed = await ExportAsync(dataSource, settings, killEvery);
            Print("killed", killed);
            bool same = baseline.Sha256 == killed.Sha256 && baseline.Bytes == killed.Bytes;
            string loadAfter = LoadAverage();

            Console.WriteLine();
            if (settings.LedgerFile is not null)
            {
                Console.WriteLine("| run | wall s | kills | attempts | export rows | bytes read by the servers (rchar, lower bound) | ÷ file bytes | chunks | bytes | sha256 |");
                Console.WriteLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|");
                Console.WriteLine(FileRow("uninterrupted", baseline, have));
                Console.WriteLine(FileRow($"killed every {killEvery.TotalSeconds:N0} s", killed, have));
            }
            else
            {
                Console.WriteLine("| run | wall s | kills | attempts | export rows | rows read (pg_stat) | ratio | rows read (ours, lower bound) | ratio | chunks | bytes | sha256 |");
                Console.WriteLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
                Console.WriteLine(Row("uninterrupted", baseline));
                Console.WriteLine(Row($"killed every {killEvery.TotalSeconds:N0} s", killed));
            }

            Console.WriteLine();
            Console.WriteLine($"rows of the killed run's chunks by attempt: {string.Join(", ", killed.RowsByAttempt.Select(p => $"{p.Key}: {p.Value:N0}"))}");
            Console.WriteLine($"byte-identical to the uninterrupted export: {(same ? "yes" : "NO")} (sha256 of the whole download)");
            Console.WriteLine($"load average before: {loadBefore}; after: {loadAfter}; total {total.Elapsed.TotalSeconds:N0} s");
            return same && killed.Status == "DONE" ? 0 : 1;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using (NpgsqlCommand drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{settings.RegistrySchema}\" CASCADE"))
            {
                await drop.ExecuteNonQueryAsync();
            }

            await DeleteBucketAsync(s3, settings.Bucket);
        }
    }

    /// <summary>One export on a fresh server; with <paramref name="killEvery"/>, the server killed at that age and restarted until DONE.</summary>
    private static async Task<Outcome> ExportAsync(NpgsqlDataSource dataSource, Settings settings, TimeSpan? killEvery)
    {
        bool file = settings.LedgerFile is not null;
        long readBefore = 0;
        if (!file)
        {
            await WaitBackendsGoneAsync(dataSource);
            readBefore = await StableRowsReadAsync(dataSource, settings.Ledger);
        }

        ServerProcess server = await StartAsync(settings);
        long bytesRead = 0;
        long serverStart = ReadChars(server);
        long serverLast = serverStart;
        try
        {
            var age = Stopwatch.StartNew();
            string id;
            using (HttpClient client = Client(server))
            using (HttpResponseMessage created = await client.PostAsync(new Uri("/v1/exports", UriKind.Relative), new StringContent(
                $$"""{"exported_object":"voucher_transactions","parameters":{{settings.Parameters}}}""", Encoding.UTF8, "application/json")))
            {
                string text = await created.Content.ReadAsStringAsync();
                if (!created.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"creating the export failed: {(int)created.StatusCode} {text}");
                }

                id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
            }

            var wall = Stopwatch.StartNew();
            int kills = 0;
            var lastProgress = new Dictionary<int, long>();
            State state;
            while (true)
            {
                state = await StateAsync(dataSource, settings, id);
                serverLast = Math.Max(serverLast, ReadChars(server));
                if (state.Attempts > 0)
                {
                    lastProgress[state.Attempts] = Math.Max(lastProgress.GetValueOrDefault(state.Attempts), state.ProgressRows);
                }

                if (state.Status is "DONE" or "ERROR")
                {
                    break;
                }

                if (wall.Elapsed > Bound)
                {
                    throw new TimeoutException($"export {id} still {state.Status} after {Bound.TotalHours} h");
                }

                if (killEvery is { } every && age.Elapsed >= every)
                {
                    serverLast = Math.Max(serverLast, ReadChars(server));
                    await server.KillAsync();
                    await server.DisposeAsync();
                    bytesRead += serverLast - serverStart;
                    kills++;
                    Console.WriteLine($"  kill {kills} at {wall.Elapsed.TotalSeconds:N1} s: attempt {state.Attempts}, {state.Chunks} chunks recorded, progress {state.ProgressRows:N0} rows");
                    server = await StartAsync(settings);
                    serverStart = serverLast = ReadChars(server);
                    age.Restart();
                }

                await Task.Delay(Poll);
            }

            TimeSpan elapsed = wall.Elapsed;
            bytesRead += Math.Max(serverLast, ReadChars(server)) - serverStart;
            Dictionary<int, long> byAttempt = await RowsByAttemptAsync(dataSource, settings, id);
            (long bytes, string sha) = await DownloadAsync(server, id);

            // Ours: each attempt's rows beyond those recorded before it started, up to the further of its last progress
            // seen and the end of its own recorded chunks; the last attempt's are the export's rest.
            long ours = 0;
            long exportRows = byAttempt.Values.Sum();
            for (int attempt = 1; attempt <= state.Attempts; attempt++)
            {
                long before = byAttempt.Where(p => p.Key < attempt).Sum(p => p.Value);
                long recorded = before + byAttempt.GetValueOrDefault(attempt);
                long reached = attempt == state.Attempts ? exportRows : Math.Max(recorded, lastProgress.GetValueOrDefault(attempt));
                ours += Math.Max(0, reached - before);
            }

            using (HttpClient client = Client(server))
            {
                (await client.DeleteAsync(new Uri($"/v1/exports/{id}", UriKind.Relative))).Dispose();
            }

            await server.StopAsync();
            long read = 0;
            if (!file)
            {
                await WaitBackendsGoneAsync(dataSource);
                read = await StableRowsReadAsync(dataSource, settings.Ledger) - readBefore;
            }

            return new Outcome(state.Status, elapsed, kills, state.Attempts, exportRows, read, ours, state.Chunks, bytes, sha, byAttempt)
            {
                BytesRead = bytesRead,
            };
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static Task<ServerProcess> StartAsync(Settings settings) => ServerProcess.StartAsync(settings.CliDll,
        ["--registry", settings.Postgres, "--ledger", settings.LedgerFile ?? $"{settings.Postgres};Application Name={ApplicationName}",
         "--sink", $"s3://{settings.Bucket}/exports"],
        new Dictionary<string, string>
        {
            ["Registry__Schema"] = settings.RegistrySchema,
            [settings.LedgerFile is null ? "Ledger__Schema" : "Ledger__Order"] = settings.LedgerFile is null ? settings.Ledger.Schema : "created_at",
            ["S3__ServiceUrl"] = settings.Endpoint,
            ["S3__AccessKey"] = settings.AccessKey,
            ["S3__SecretKey"] = settings.SecretKey,
            ["S3__CreateBucket"] = "true",
            ["Downloads__Secret"] = "kill-resume-secret-0123456789abcdef",
            [$"Applications__{App}"] = Token,
            ["Exports__MaxChunkBytes"] = settings.ChunkBytes.ToString(CultureInfo.InvariantCulture),
            ["Exports__MaxConcurrent"] = "1",
            ["Exports__LeaseDuration"] = settings.Lease.ToString("c", CultureInfo.InvariantCulture),
            ["Exports__HeartbeatInterval"] = TimeSpan.FromSeconds(Math.Max(1, settings.Lease.TotalSeconds / 4)).ToString("c", CultureInfo.InvariantCulture),
        },
        TimeSpan.FromMinutes(2));

    private static HttpClient Client(ServerProcess server)
    {
        var client = new HttpClient { BaseAddress = server.Address, Timeout = Bound };
        client.DefaultRequestHeaders.Add("X-App-Id", App);
        client.DefaultRequestHeaders.Add("X-App-Token", Token);
        return client;
    }

    /// <summary>The whole export through the server's download URL: its length and SHA-256.</summary>
    private static async Task<(long Bytes, string Sha256)> DownloadAsync(ServerProcess server, string id)
    {
        using HttpClient client = Client(server);
        JsonElement export = (await client.GetFromJsonAsync<JsonElement>(new Uri($"/v1/exports/{id}", UriKind.Relative)))!;
        string url = export.GetProperty("result").GetProperty("url").GetString()!;
        using HttpResponseMessage response = await client.GetAsync(new Uri(url), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using Stream body = await response.Content.ReadAsStreamAsync();
        return await StreamSha256.OfAsync(body);
    }

    private static async Task<State> StateAsync(NpgsqlDataSource dataSource, Settings settings, string id)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(
            $"SELECT status, attempts, progress_rows, (SELECT count(*) FROM \"{settings.RegistrySchema}\".voucher_exports_chunks c WHERE c.export_id = e.id) " +
            $"FROM \"{settings.RegistrySchema}\".voucher_exports e WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException($"export {id} is not in the registry");
        }

        return new State(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    private static async Task<Dictionary<int, long>> RowsByAttemptAsync(NpgsqlDataSource dataSource, Settings settings, string id)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(
            $"SELECT attempt, sum(rows)::bigint FROM \"{settings.RegistrySchema}\".voucher_exports_chunks WHERE export_id = $1 GROUP BY attempt ORDER BY attempt");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<int, long>();
        while (await reader.ReadAsync())
        {
            rows[reader.GetInt32(0)] = reader.GetInt64(1);
        }

        return rows;
    }

    /// <summary>
    /// The JSON Lines ledger at <paramref name="path"/>: the demo ledger of <paramref name="rows"/> rows in <c>created_at</c>
    /// order, written when missing (a file of another size must be removed first); returns its size in bytes.
    /// </summary>
    private static async Task<long> FileLedgerAsync(string path, long rows)
    {
        string written = path + ".rows";
        if (!File.Exists(path) || !File.Exists(written) || await File.ReadAllTextAsync(written) != rows.ToString(CultureInfo.InvariantCulture))
        {
            string temporary = path + ".tmp";
            await using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                new DemoLedger(rows, seed: 42).WriteJsonLines(output);
            }

            File.Move(temporary, path, overwrite: true);
            await File.WriteAllTextAsync(written, rows.ToString(CultureInfo.InvariantCulture));
        }

        return new FileInfo(path).Length;
    }

    /// <summary><c>rchar</c> of the server process (bytes its read calls returned so far); 0 once it is gone.</summary>
    private static long ReadChars(ServerProcess server)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{server.ProcessId}/io"))
            {
                if (line.StartsWith("rchar:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // The process is gone.
        }

        return 0;
    }

    /// <summary>The ledger's rows, or -1 when it is not there (or lost its primary key to an interrupted load).</summary>
    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, PostgresLedgerOptions ledger)
    {
        string table = $"\"{ledger.Schema}\".\"{ledger.Table}\"";
        await using NpgsqlCommand command = dataSource.CreateCommand(
            "SELECT (CASE WHEN to_regclass($1) IS NULL THEN -1 " +
            "WHEN NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'p') THEN -1 END)::bigint");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
        if (await command.ExecuteScalarAsync() is long missing)
        {
            return missing;
        }

        await using NpgsqlCommand count = dataSource.CreateCommand($"SELECT count(*) FROM {table}");
        count.CommandTimeout = 600;
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary><c>seq_tup_read + idx_tup_fetch</c> of the ledger table, once two reads half a second apart agree.</summary>
    private static async Task<long> StableRowsReadAsync(NpgsqlDataSource dataSource, PostgresLedgerOptions ledger)
    {
        long last = -1;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            await using NpgsqlCommand command = dataSource.CreateCommand(
                "SELECT COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0) FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ledger.Schema });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ledger.Table });
            long now = (long)(await command.ExecuteScalarAsync() ?? 0L);
            if (now == last || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                return now;
            }

            last = now;
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>Waits (bounded) until no backend of the servers' ledger connections is left: each flushes its counts on exit.</summary>
    private static async Task WaitBackendsGoneAsync(NpgsqlDataSource dataSource)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await using NpgsqlCommand command = dataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ApplicationName });
            if ((long)(await command.ExecuteScalarAsync())! == 0)
            {
                return;
            }

            await Task.Delay(Poll);
        }

        throw new TimeoutException($"backends of {ApplicationName} still connected after 60 s");
    }

    private static async Task DeleteBucketAsync(AmazonS3Client s3, string bucket)
    {
        try
        {
            var request = new ListObjectsV2Request { BucketName = bucket };
            ListObjectsV2Response page;
            do
            {
                page = await s3.ListObjectsV2Async(request);
                foreach (S3Object o in page.S3Objects ?? [])
                {
                    await s3.DeleteObjectAsync(bucket, o.Key);
                }

                request.ContinuationToken = page.NextContinuationToken;
            }
            while (page.IsTruncated == true);

            foreach (MultipartUpload upload in (await s3.ListMultipartUploadsAsync(bucket)).MultipartUploads ?? [])
            {
                await s3.AbortMultipartUploadAsync(bucket, upload.Key, upload.UploadId);
            }

            await s3.DeleteBucketAsync(bucket);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            // Never created.
        }
    }

    private static void Print(string name, Outcome o) => Console.WriteLine(
        $"{name}: {o.Status} in {o.Wall.TotalSeconds:N1} s, {o.Kills} kills, {o.Attempts} attempts, {o.ExportRows:N0} rows, " +
        $"{o.RowsRead:N0} rows read by PostgreSQL ({Ratio(o.RowsRead, o.ExportRows)}), {o.OursRead:N0} by our count ({Ratio(o.OursRead, o.ExportRows)})");

    private static string Row(string name, Outcome o) => string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {o.Wall.TotalSeconds:N1} | {o.Kills} | {o.Attempts} | {o.ExportRows:N0} | {o.RowsRead:N0} | {Ratio(o.RowsRead, o.ExportRows)} | " +
        $"{o.OursRead:N0} | {Ratio(o.OursRead, o.ExportRows)} | {o.Chunks} | {o.Bytes:N0} | {o.Sha256[..16]}… |");

    private static string FileRow(string name, Outcome o, long fileBytes) => string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {o.Wall.TotalSeconds:N1} | {o.Kills} | {o.Attempts} | {o.ExportRows:N0} | {o.BytesRead:N0} | {Ratio(o.BytesRead, fileBytes)} | " +
        $"{o.Chunks} | {o.Bytes:N0} | {o.Sha256[..16]}… |");

    private static string Ratio(long read, long rows) => rows == 0 ? "-" : (read / (double)rows).ToString("N3", CultureInfo.InvariantCulture);

    private static string LoadAverage() => File.Exists("/proc/loadavg")
        ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))
        : "n/a";

    private static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new ArgumentException($"--kill-resume needs {name} (eval \"$(scripts/start-services)\", or source the servers' settings)");

    private sealed record Settings(
        string Postgres, string Endpoint, string AccessKey, string SecretKey, PostgresLedgerOptions Ledger, string RegistrySchema,
        string Bucket, long ChunkBytes, TimeSpan Lease, string Parameters, string CliDll, string? LedgerFile);

    private sealed record State(string Status, int Attempts, long ProgressRows, long Chunks);

    private sealed record Outcome(
        string Status, TimeSpan Wall, int Kills, int Attempts, long ExportRows, long RowsRead, long OursRead, long Chunks, long Bytes,
        string Sha256, Dictionary<int, long> RowsByAttempt)
    {
        /// <summary>With a ledger file: the bytes the server processes read (rchar), a lower bound.</summary>
        public long BytesRead { get; init; }
    }
}

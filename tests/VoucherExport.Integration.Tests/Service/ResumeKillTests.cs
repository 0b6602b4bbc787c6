using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Amazon.S3.Model;
using Npgsql;
using VoucherExport.Demo;
using VoucherExport.Integration.Tests.PostgreSql;
using VoucherExport.Integration.Tests.S3;
using VoucherExport.Testing;
using Xunit.Abstractions;

namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// Issue 12's <c>kill -9</c> test: two <c>voucher-export serve</c> processes on one PostgreSQL registry and 2,000,000-row
/// ledger, chunks of 4 MiB in a Ceph bucket. Five exports one after the other (both orders); for each, the process that
/// holds it is killed with SIGKILL at a random moment after its first recorded chunk, and started again. Each export
/// ends DONE; its whole download is byte-identical to <c>voucher-export export</c> of the same ledger; every chunk recorded
/// before the kill keeps its S3 object (ETag and LastModified) and its record (attempt 1); the chunks after it are
/// recorded by attempt 2, whose run logged that it went on after the recorded chunks. A chunk the sink had stored but the
/// registry had not yet recorded is kept as stored by the next attempt (docs/resume.md); those are counted and printed.
/// The random moments come from a seed printed at the start (<c>VX_KILL_SEED</c> repeats a run). Every wait polls a
/// condition under a deadline.
/// Runs alone (<see cref="AloneCollection"/>): it keeps PostgreSQL and both cores busy for minutes.
/// </summary>
[Collection(AloneCollection.Name)]
public class ResumeKillTests(ITestOutputHelper output)
{
    private const long Rows = 2_000_000;
    private const int Exports = 5;
    private const long ChunkBytes = 4L * 1024 * 1024;
    private const string ManifestName = "manifest.json";

    // Both orders: the resume point is a keyset restart, `>` ascending and `<` descending.
    private static readonly string[] s_parameters = ["""{"order":"created_at"}""", """{"order":"-created_at"}"""];
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(25);

    // The ExportResumedAfterChunks lines of every instance started.
    private readonly ConcurrentQueue<string> _lines = new();

    [ServiceFact]
    public async Task FiveExportsWhoseServerIsKilledResumeAfterTheirRecordedChunks()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("VX_KILL_SEED"), CultureInfo.InvariantCulture, out int given)
            ? given : Random.Shared.Next();
        output.WriteLine($"seed {seed} (VX_KILL_SEED={seed} repeats these kill moments)");
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();

        await using var database = await PgTestDatabase.CreateAsync(ledger: false);
        var bucket = new S3TestBucket();
        await using var bucketLifetime = new BucketLifetime(bucket);
        await bucket.Factory.CheckAsync();
        await BulkLedgerLoad.LoadAsync(database.DataSource, database.Ledger, new DemoLedger(Rows, seed: 3));
        output.WriteLine($"{Rows:N0} rows loaded in {clock.Elapsed.TotalSeconds:N1} s");

        string folder = Path.Combine(Path.GetTempPath(), "vx-kill-resume", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var instances = new ServerProcess?[2];
        string[] names = ["vx-kill-1", "vx-kill-2"];
        try
        {
            var references = new Dictionary<string, Reference>();
            foreach (string parameters in s_parameters)
            {
                references[parameters] = await ReferenceAsync(database, parameters, folder);
                output.WriteLine($"reference {parameters}: {references[parameters].Length:N0} bytes, sha256 {references[parameters].Sha256} ({clock.Elapsed.TotalSeconds:N1} s)");
            }

            instances[0] = await StartAsync(database, bucket, names[0]);
            instances[1] = await StartAsync(database, bucket, names[1]);
            int rewritten = 0;
            for (int e = 0; e < Exports; e++)
            {
                string parameters = s_parameters[e % s_parameters.Length];
                Reference reference = references[parameters];
                rewritten += await KillAndResumeAsync(database, bucket, instances, names, e, parameters, reference, random);
                output.WriteLine($"  ({clock.Elapsed.TotalSeconds:N1} s)");
            }

            output.WriteLine($"{Exports} exports killed and resumed; chunks stored but not recorded at the kill, kept as stored by the next attempt: {rewritten}");
        }
        finally
        {
            foreach (ServerProcess? instance in instances)
            {
                if (instance is not null)
                {
                    await instance.DisposeAsync();
                }
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>One export: created, its holder killed at a random moment, restarted, DONE and checked. Returns the chunks stored but unrecorded at the kill.</summary>
    private async Task<int> KillAndResumeAsync(
        PgTestDatabase database, S3TestBucket bucket, ServerProcess?[] instances, string[] names, int e, string parameters, Reference reference, Random random)
    {
        string body = $$"""{"exported_object":"voucher_transactions","parameters":{{parameters}}}""";
        JsonElement created = await ServiceCluster.CreateAsync(instances[e % 2]!, "/v1/exports", body);
        string id = created.GetProperty("id").GetString()!;
        string prefix = $"exports/{id}/";

        // The moment: once `target` chunks are recorded, a random part of one chunk's time later (so the kill may land while
        // a chunk is formatted, uploaded, or between its upload and its record). Never past two thirds of the chunks.
        long expectedChunks = Math.Max(2, reference.Length / ChunkBytes);
        int target = random.Next(1, (int)Math.Max(2, expectedChunks * 2 / 3) + 1);
        double fraction = random.NextDouble();
        Progress running = await PollAsync(() => ProgressAsync(database, id), p => p.Chunks >= target || p.Status is "DONE" or "ERROR",
            $"export {e + 1}: {target} chunks recorded");
        Assert.True(running.Status == "IN_PROGRESS", $"export {e + 1} is {running.Status} before its kill point ({target} chunks)");
        int victim = Array.FindIndex(instances, i => i!.ProcessId == running.OwnerPid);
        Assert.True(victim >= 0, $"export {e + 1} is held by {running.Owner}, none of the started instances");
        TimeSpan within = TimeSpan.FromTicks((long)(Math.Min(running.LastChunkTime.Ticks, TimeSpan.FromSeconds(2).Ticks) * fraction));
        await Task.Delay(within);
        await instances[victim]!.KillAsync();

        // The process is gone, but a COMMIT it sent just before may still be running in its PostgreSQL backend, which
        // records a chunk after the process died. Its backends end once they find the socket closed: after that, what it
        // recorded and stored is fixed until the next attempt.
        await PollAsync(() => BackendsAsync(database, names[victim]), n => n == 0, $"the end of {names[victim]}'s PostgreSQL sessions");
        Progress atKill = await ProgressAsync(database, id);
        Assert.True(atKill.Status == "IN_PROGRESS", $"export {e + 1} ended {atKill.Status} before the kill: the kill point was too late");
        Assert.Equal(1, atKill.Attempts);
        List<ChunkRecord> before = await RecordsAsync(database, id);
        Dictionary<string, S3Object> storedBefore = await ObjectsAsync(bucket, prefix);
        var recordedNames = before.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var unrecorded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string name in storedBefore.Keys.Where(n => n != ManifestName && !recordedNames.Contains(n)))
        {
            unrecorded[name] = Sha256(await bucket.GetAsync(prefix + name));
        }

        Assert.NotEmpty(before);
        Assert.All(before, r => Assert.Equal(1, r.Attempt));
        Assert.All(before, r => Assert.True(storedBefore.ContainsKey(r.Name), $"chunk {r.Name} is recorded but not stored"));
        Assert.True(unrecorded.Count <= 1, $"{unrecorded.Count} chunks stored but not recorded: {string.Join(", ", unrecorded.Keys)}");

        string resumeLine = $"Export {id} of {ServiceCluster.App} goes on after {before.Count} committed chunks ({before.Sum(r => r.Rows)} rows)";
        ServerProcess survivor = instances[1 - victim]!;
        names[victim] = $"vx-kill-{victim + 1}-{e + 1}";
        instances[victim] = await StartAsync(database, bucket, names[victim]);

        JsonElement done = await ServiceCluster.WaitFinalAsync(survivor, id);
        Assert.True(done.GetProperty("status").GetString() == "DONE",
            $"export {e + 1} ended {done}\n{string.Join('\n', survivor.LastLines)}\n{string.Join('\n', instances[victim]!.LastLines)}");
        Progress final = await ProgressAsync(database, id);
        List<ChunkRecord> after = await RecordsAsync(database, id);
        Dictionary<string, S3Object> storedAfter = await ObjectsAsync(bucket, prefix);

        // One record per chunk, 1 to N, the chunks of the result; those of the killed attempt unchanged; the rest by a later one.
        Assert.Equal(Enumerable.Range(1, after.Count), after.Select(r => r.Index));
        Assert.Equal(after.Select(r => r.Name), done.GetProperty("result").GetProperty("chunks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(before, after.Take(before.Count));
        Assert.True(after.Count > before.Count, $"export {e + 1}: no chunk recorded after the kill");
        Assert.All(after.Skip(before.Count), r => Assert.InRange(r.Attempt, 2, final.Attempts));

        // The resumed run said where it went on: after the recorded chunks, not from row 0. (A third claim is possible
        // in principle, when a busy machine delays the new holder's heartbeats past the lease; its chunks are checked
        // all the same.)
        await PollAsync(() => Task.FromResult(_lines.Any(l => l.Contains(resumeLine, StringComparison.Ordinal))), found => found,
            $"line \"{resumeLine}\" from either instance");

        // Storage: exactly the chunks and the manifest, nothing open; the chunks recorded before the kill never written again.
        Assert.Equal(after.Select(r => r.Name).Append(ManifestName).Order(StringComparer.Ordinal), storedAfter.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(await bucket.OpenUploadsAsync(prefix));
        foreach (ChunkRecord record in before)
        {
            S3Object was = storedBefore[record.Name];
            S3Object now = storedAfter[record.Name];
            Assert.True(was.ETag == now.ETag && was.LastModified == now.LastModified,
                $"export {e + 1}: chunk {record.Name}, recorded before the kill, was written again ({was.ETag} {was.LastModified:O} -> {now.ETag} {now.LastModified:O})");
        }

        // Every stored chunk has its record's hash; one stored but unrecorded at the kill was kept as stored (same bytes,
        // same object).
        foreach (ChunkRecord record in after)
        {
            string sha = Sha256(await bucket.GetAsync(prefix + record.Name));
            Assert.True(sha == record.Sha256, $"export {e + 1}: chunk {record.Name} stored with sha256 {sha}, recorded {record.Sha256}");
            if (unrecorded.TryGetValue(record.Name, out string? atKillSha))
            {
                Assert.True(atKillSha == sha, $"export {e + 1}: chunk {record.Name} was rewritten with other bytes");
                S3Object was = storedBefore[record.Name];
                S3Object now = storedAfter[record.Name];
                Assert.True(was.ETag == now.ETag && was.LastModified == now.LastModified,
                    $"export {e + 1}: chunk {record.Name}, stored but unrecorded at the kill, was written again");
            }
        }

        // The whole export, downloaded, is the reference run's bytes.
        var (length, downloaded) = await DownloadSha256Async(done.GetProperty("result").GetProperty("url").GetString()!);
        Assert.Equal(reference.Length, length);
        Assert.Equal(reference.Sha256, downloaded);

        output.WriteLine(
            $"export {e + 1} {parameters}: killed pid {running.OwnerPid} at {before.Count} recorded chunks (target {target}, +{within.TotalMilliseconds:N0} ms), " +
            $"{unrecorded.Count} stored but unrecorded; resumed by attempt {final.Attempts}: {after.Count} chunks, {length:N0} bytes, identical");

        using (HttpClient client = ServiceCluster.Client(survivor))
        using (HttpResponseMessage deleted = await client.DeleteAsync(new Uri($"/v1/exports/{id}", UriKind.Relative)))
        {
            // Frees the memory-backed gateway before the next export.
            Assert.True(deleted.IsSuccessStatusCode, $"DELETE {id}: {(int)deleted.StatusCode}");
        }

        return unrecorded.Count;
    }

    private async Task<ServerProcess> StartAsync(PgTestDatabase database, S3TestBucket bucket, string name)
    {
        string postgres = Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)!;
        return await ServerProcess.StartAsync(ServiceCluster.CliDll(),
            // Both connections carry the instance's name, so the test can wait for its backends to end after a kill.
            ["--registry", $"{postgres};Application Name={name}", "--ledger", $"{postgres};Application Name={name}",
             "--sink", $"s3://{bucket.Name}/exports", "--threads", "2"],
            new Dictionary<string, string>
            {
                ["Ledger__Schema"] = database.Schema,
                ["Registry__Schema"] = database.Schema,
                ["S3__ServiceUrl"] = S3TestSettings.Endpoint!,
                ["S3__AccessKey"] = S3TestSettings.AccessKey!,
                ["S3__SecretKey"] = S3TestSettings.SecretKey!,
                ["Downloads__Secret"] = "a-secret-every-instance-shares-0123456789",
                [$"Applications__{ServiceCluster.App}"] = ServiceCluster.Token,
                ["Exports__MaxChunkBytes"] = ChunkBytes.ToString(CultureInfo.InvariantCulture),
                ["Exports__MaxConcurrent"] = "1",
                // A lease of 4 s: the killed process's export is taken over within seconds, and a busy machine's late
                // heartbeat (every second) does not lose it.
                ["Exports__HeartbeatInterval"] = "00:00:01",
                ["Exports__LeaseDuration"] = "00:00:04",
                // The lifecycle lines (ExportResumedAfterChunks among them) of the registry.
                ["Logging__LogLevel__VoucherExport.Registry.ExportRegistry"] = "Information",
            },
            TimeSpan.FromMinutes(2),
            line =>
            {
                if (line.Contains("goes on after", StringComparison.Ordinal))
                {
                    _lines.Enqueue(line);
                }
            });
    }

    /// <summary>The export unchunked by <c>voucher-export export</c> against the same ledger: its length and SHA-256.</summary>
    private static async Task<Reference> ReferenceAsync(PgTestDatabase database, string parameters, string folder)
    {
        (JsonElement export, string outFolder) = await ServiceCluster.CliExportAsync(
            folder, ServiceCluster.LedgerUrl(database.Schema),
            ["--parameters", parameters, "--max-chunk-bytes", (1L << 40).ToString(CultureInfo.InvariantCulture)]);
        string id = export.GetProperty("id").GetString()!;
        Assert.Equal(1, export.GetProperty("result").GetProperty("chunks").GetArrayLength());
        string path = Path.Combine(outFolder, id, "part-00001.csv");
        Reference reference;
        await using (FileStream file = File.OpenRead(path))
        {
            reference = new Reference(file.Length, Convert.ToHexStringLower(await SHA256.HashDataAsync(file)));
        }

        Directory.Delete(outFolder, recursive: true);
        return reference;
    }

    private static async Task<(long Length, string Sha256)> DownloadSha256Async(string url)
    {
        using var client = new HttpClient { Timeout = Deadline };
        using HttpResponseMessage response = await client.GetAsync(new Uri(url), HttpCompletionOption.ResponseHeadersRead);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} downloading {url}");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        await using Stream body = await response.Content.ReadAsStreamAsync();
        return await StreamSha256.OfAsync(body);
    }

    private static async Task<Progress> ProgressAsync(PgTestDatabase database, string id)
    {
        string chunks = $"\"{database.Schema}\".voucher_exports_chunks";
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            $"SELECT e.status, e.lease_owner, e.attempts, (SELECT count(*) FROM {chunks} c WHERE c.export_id = e.id), " +
            $"extract(epoch FROM (SELECT c.committed_at FROM {chunks} c WHERE c.export_id = e.id ORDER BY c.chunk_index DESC LIMIT 1) - " +
            $"COALESCE((SELECT c.committed_at FROM {chunks} c WHERE c.export_id = e.id ORDER BY c.chunk_index DESC OFFSET 1 LIMIT 1), e.started_at))::float8 " +
            $"FROM \"{database.Schema}\".voucher_exports e WHERE e.id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"export {id} is not in the registry");
        return new Progress(
            reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3),
            reader.IsDBNull(4) ? TimeSpan.Zero : TimeSpan.FromSeconds(reader.GetDouble(4)));
    }

    /// <summary>The PostgreSQL sessions still open under <paramref name="applicationName"/>.</summary>
    private static async Task<long> BackendsAsync(PgTestDatabase database, string applicationName)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = applicationName });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<ChunkRecord>> RecordsAsync(PgTestDatabase database, string id)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            $"SELECT chunk_index, name, rows, bytes, sha256, last_created_at, last_id, attempt, committed_at " +
            $"FROM \"{database.Schema}\".voucher_exports_chunks WHERE export_id = $1 ORDER BY chunk_index");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        var records = new List<ChunkRecord>();
        while (await reader.ReadAsync())
        {
            records.Add(new ChunkRecord(
                reader.GetInt32(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetInt32(7), reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return records;
    }

    /// <summary>The objects under <paramref name="prefix"/> by name (the key without the prefix), with ETag and LastModified.</summary>
    private static async Task<Dictionary<string, S3Object>> ObjectsAsync(S3TestBucket bucket, string prefix)
    {
        var objects = new Dictionary<string, S3Object>(StringComparer.Ordinal);
        var request = new ListObjectsV2Request { BucketName = bucket.Name, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await bucket.Client.ListObjectsV2Async(request);
            foreach (S3Object o in page.S3Objects ?? [])
            {
                objects[o.Key[prefix.Length..]] = o;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        return objects;
    }

    private static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> until, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            T value = await read();
            if (until(value))
            {
                return value;
            }

            Assert.True(deadline.Elapsed < Deadline, $"no {what} after {Deadline.TotalSeconds} s (last: {value})");
            await Task.Delay(PollEvery);
        }
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The whole export's bytes as <c>voucher-export export</c> writes them unchunked.</summary>
    private sealed record Reference(long Length, string Sha256);

    /// <summary>
    /// The registry's view of a running export: status, lease owner (<c>host:pid:…</c>), claims so far, chunks recorded,
    /// and how long its last chunk took (from the record before it, or the first start).
    /// </summary>
    private sealed record Progress(string Status, string? Owner, int Attempts, long Chunks, TimeSpan LastChunkTime)
    {
        public int OwnerPid => Owner?.Split(':') is [_, string pid, ..] ? int.Parse(pid, CultureInfo.InvariantCulture) : -1;
    }

    /// <summary>A row of <c>voucher_exports_chunks</c>.</summary>
    private sealed record ChunkRecord(
        int Index, string Name, long Rows, long Bytes, string Sha256, string? LastCreatedAt, string? LastId, int Attempt, DateTimeOffset CommittedAt);

    /// <summary>Deletes the bucket (and what is left in it) at the end of the test.</summary>
    private sealed class BucketLifetime(S3TestBucket bucket) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await bucket.DisposeAsync();
    }
}

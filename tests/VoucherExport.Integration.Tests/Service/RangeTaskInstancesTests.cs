using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.S3.Model;
using VoucherExport.Testing;

namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// Three <c>voucher-export serve</c> processes on one PostgreSQL registry and ledger and one Ceph bucket work one export
/// split into range tasks (<c>Exports:RangeTasks</c>). While at least two of them read tasks of it, the one reading most
/// is killed (<c>kill -9</c>) and not started again: the other two take its tasks over, resume them after their
/// committed chunks, and the export ends DONE with the bytes of <c>voucher-export export</c>; no chunk recorded before the
/// kill is written again.
/// </summary>
public class RangeTaskInstancesTests
{
    private const string Parameters = """{"order":"created_at"}""";

    private static readonly Dictionary<string, string> s_settings = new()
    {
        ["Exports__RangeTasks"] = "6",
        ["Exports__MaxConcurrent"] = "2",

        // A short lease so the killed instance's tasks are taken over within seconds.
        ["Exports__LeaseDuration"] = "00:00:04",
    };

    [ServiceFact]
    public async Task ThreeInstancesWorkOneSplitExportAndOneIsKilled()
    {
        await using var cluster = await ServiceCluster.CreateAsync(rows: 20_000);
        ServerProcess[] instances =
        [
            await cluster.StartAsync("vx-1", s_settings), await cluster.StartAsync("vx-2", s_settings), await cluster.StartAsync("vx-3", s_settings),
        ];
        string schema = cluster.Database.Schema;

        JsonElement created = await ServiceCluster.CreateAsync(
            instances[0], "/v1/exports", $$"""{"exported_object":"voucher_transactions","parameters":{{Parameters}}}""");
        string id = created.GetProperty("id").GetString()!;

        // Wait (bounded) until at least two instances read range tasks of it at once, then kill the one reading most.
        var deadline = Stopwatch.StartNew();
        Dictionary<string, long> reading = [];
        while (reading.Count < 2)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(1), $"instances reading at once: {string.Join(", ", reading.Keys)}");
            reading = await ReadingAsync(cluster);
        }

        int victim = int.Parse(reading.MaxBy(r => r.Value).Key.AsSpan(3), CultureInfo.InvariantCulture) - 1;
        await instances[victim].KillAsync();

        // What was recorded by then, and how S3 stores it: none of it may be written again.
        Dictionary<string, (string ETag, DateTime Modified)> before = [];
        foreach (string name in await RecordedChunksAsync(cluster, id))
        {
            GetObjectMetadataResponse head = await cluster.Bucket.Client.GetObjectMetadataAsync(cluster.Bucket.Name, $"exports/{id}/{name}");
            before[name] = (head.ETag, head.LastModified!.Value);
        }

        ServerProcess survivor = instances[(victim + 1) % 3];
        JsonElement done = await ServiceCluster.WaitFinalAsync(survivor, id);
        Assert.Equal("DONE", done.GetProperty("status").GetString());

        // The whole download is the CLI's export of the same ledger; the chunks are task-qualified and in order.
        JsonElement result = done.GetProperty("result");
        Assert.Equal(await cluster.ExpectedAsync(null, null, Parameters), await ServiceCluster.DownloadAsync(result.GetProperty("url").GetString()!));
        string[] names = [.. result.GetProperty("chunks").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.All(names, n => Assert.Matches("^part-0000[1-6]-[0-9]{5}\\.csv$", n));
        Assert.Equal(20_000, result.GetProperty("rows").GetInt64());

        Assert.NotEmpty(before);
        foreach (var (name, stored) in before)
        {
            GetObjectMetadataResponse head = await cluster.Bucket.Client.GetObjectMetadataAsync(cluster.Bucket.Name, $"exports/{id}/{name}");
            Assert.True(stored == (head.ETag, head.LastModified!.Value), $"{name} was written again after the kill");
        }

        // The killed instance's work was taken over: a task (or the export itself) was claimed again; each chunk was
        // recorded once.
        await using (var command = cluster.Database.DataSource.CreateCommand(
            $"SELECT count(*) FILTER (WHERE e.parent_id = $1), count(*) FILTER (WHERE e.attempts > 1), "
            + $"(SELECT count(*) FROM \"{schema}\".voucher_exports_chunks AS c JOIN \"{schema}\".voucher_exports AS t ON t.id = c.export_id WHERE t.parent_id = $1) "
            + $"FROM \"{schema}\".voucher_exports AS e WHERE e.id = $1 OR e.parent_id = $1"))
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = id });
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.InRange(reader.GetInt64(0), 2, 6);
            Assert.True(reader.GetInt64(1) >= 1, "nothing of the killed instance was taken over");
            Assert.Equal(names.Length, reader.GetInt64(2));
        }

        Assert.Equal(0, instances.Where((_, i) => i != victim).Sum(r => r.ErrorLines));
    }

    /// <summary>The instances (PostgreSQL application names) with a ledger read in flight, and how many each.</summary>
    private static async Task<Dictionary<string, long>> ReadingAsync(ServiceCluster cluster)
    {
        await using var command = cluster.Database.DataSource.CreateCommand(
            "SELECT application_name, count(*) FROM pg_stat_activity WHERE application_name LIKE 'vx-_' AND state = 'active' "
            + "AND query LIKE '%ORDER BY t.created_at ASC, t.id ASC' GROUP BY 1");
        await using var reader = await command.ExecuteReaderAsync();
        var reading = new Dictionary<string, long>();
        while (await reader.ReadAsync())
        {
            reading[reader.GetString(0)] = reader.GetInt64(1);
        }

        return reading;
    }

    private static async Task<List<string>> RecordedChunksAsync(ServiceCluster cluster, string id)
    {
        string schema = cluster.Database.Schema;
        await using var command = cluster.Database.DataSource.CreateCommand(
            $"SELECT c.name FROM \"{schema}\".voucher_exports_chunks AS c JOIN \"{schema}\".voucher_exports AS t ON t.id = c.export_id WHERE t.parent_id = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using VoucherExport.Testing;

namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// Three <c>voucher-export serve</c> processes on one PostgreSQL registry and ledger and one Ceph bucket work one export
/// split into range tasks (<c>Exports:RangeTasks</c>). While at least two of them read tasks of it, the one reading most
/// is killed (<c>kill -9</c>) and not started again: the other two take its tasks over and the export ends DONE with the
/// bytes of <c>voucher-export export</c>. (Resuming a task after its committed chunks is ResumeKillTests' and the
/// registry tests' subject; here the tasks are held before their first row, so that the kill is not a race.)
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

        // The ledger is held locked while the export is split, and locked again (a second lock queued behind the split's
        // read) before any task reads: so every instance claims tasks and holds them in flight until the kill.
        await using NpgsqlConnection first = await cluster.Database.DataSource.OpenConnectionAsync();
        await using NpgsqlTransaction firstLock = await first.BeginTransactionAsync();
        await LockLedgerAsync(first, firstLock, schema);

        JsonElement created = await ServiceCluster.CreateAsync(
            instances[0], "/v1/exports", $$"""{"exported_object":"voucher_transactions","parameters":{{Parameters}}}""");
        string id = created.GetProperty("id").GetString()!;
        await WaitUntilAsync(async () => await BlockedAsync(cluster, "%percentile_disc%") > 0, "the split waits for the ledger");

        await using NpgsqlConnection second = await cluster.Database.DataSource.OpenConnectionAsync();
        await using NpgsqlTransaction secondLock = await second.BeginTransactionAsync();
        Task queued = LockLedgerAsync(second, secondLock, schema);
        await WaitUntilAsync(async () => await BlockedAsync(cluster, "LOCK TABLE%") > 0, "the second lock queues");
        await firstLock.RollbackAsync();
        await queued;

        // Every instance's workers claim tasks, whose reads wait for the lock; kill the instance holding most of them.
        Dictionary<string, long> reading = [];
        await WaitUntilAsync(async () => (reading = await ReadingAsync(cluster)).Count >= 2, "two instances hold tasks");
        int victim = int.Parse(reading.MaxBy(r => r.Value).Key.AsSpan(3), CultureInfo.InvariantCulture) - 1;
        await instances[victim].KillAsync();
        await secondLock.RollbackAsync();

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

        // The killed instance's tasks were taken over (claimed again) and finished; each chunk was recorded once.
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

    private static async Task LockLedgerAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema)
    {
        await using var command = new NpgsqlCommand($"LOCK TABLE \"{schema}\".voucher_transactions IN ACCESS EXCLUSIVE MODE", connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(1), $"not within a minute: {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>Statements like <paramref name="pattern"/> waiting for a lock.</summary>
    private static async Task<long> BlockedAsync(ServiceCluster cluster, string pattern)
    {
        await using var command = cluster.Database.DataSource.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = pattern });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The instances (PostgreSQL application names) with a task's ledger read waiting for the lock, and how many each.</summary>
    private static async Task<Dictionary<string, long>> ReadingAsync(ServiceCluster cluster)
    {
        await using var command = cluster.Database.DataSource.CreateCommand(
            "SELECT application_name, count(*) FROM pg_stat_activity WHERE application_name LIKE 'vx-_' AND wait_event_type = 'Lock' "
            + "AND query LIKE '%ORDER BY t.created_at ASC, t.id ASC' GROUP BY 1");
        await using var reader = await command.ExecuteReaderAsync();
        var reading = new Dictionary<string, long>();
        while (await reader.ReadAsync())
        {
            reading[reader.GetString(0)] = reader.GetInt64(1);
        }

        return reading;
    }
}

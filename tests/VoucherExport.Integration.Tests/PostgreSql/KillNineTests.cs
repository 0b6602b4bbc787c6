using System.Diagnostics;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>
/// A worker process killed with SIGKILL half way through an export, then a second process on the same PostgreSQL store:
/// the export ends DONE with the bytes of a reference run (or ERROR with a reason), never IN_PROGRESS for ever, and no
/// half-written chunk or temporary file is left. The deadlines only fail a hung test; the test waits on the store.
/// </summary>
public class KillNineTests
{
    private static readonly TimeSpan ProgressDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FinishDeadline = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(100);
    private static readonly ChunkLimits Chunks = new() { MaxChunkBytes = 16 * 1024 };

    [PostgresFact]
    public async Task AnExportWhoseWorkerWasKilledIsFinishedByTheNextProcess()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: true, exports: true);
        await PostgresLedgerLoader.LoadAsync(db.DataSource, new DemoLedger(20_000, seed: 3).AsSource(), db.Ledger);
        List<byte[]> reference = await PgTestData.ExportAsync(
            PgTestData.Request(ExportParameters.Default, Chunks), new PostgresTransactionSource(db.DataSource, db.Ledger));

        var store = new PostgresExportStore(db.DataSource, db.Exports);
        var export = new ExportObject { Id = ExportIds.NewId(), CreatedAt = DateTimeOffset.UtcNow, Parameters = ExportParameters.Default };
        await store.AddAsync(new ExportJob("app", export, CsvFormat.Default, Chunks), CancellationToken.None);

        string output = Path.Combine(Path.GetTempPath(), "vx-kill9-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(output);
        try
        {
            // The first worker pauses 100 ms a batch of 256 rows: about 8 s for the export, so it is killed half way.
            using (Process first = StartWorker(db.Schema, output, leaseMs: 2000, pauseMs: 100, "first"))
            {
                try
                {
                    ExportJob running = await PollAsync(store, export.Id, j => j.Export.Progress is { Rows: > 0 }, ProgressDeadline, "progress from the first worker");
                    Assert.Equal(ExportStatus.InProgress, running.Export.Status);
                }
                finally
                {
                    first.Kill(entireProcessTree: true);
                    await first.WaitForExitAsync();
                }
            }

            ExportJob afterKill = (await store.GetAsync("app", export.Id, CancellationToken.None))!;
            Assert.Equal(ExportStatus.InProgress, afterKill.Export.Status);

            using Process second = StartWorker(db.Schema, output, leaseMs: 2000, pauseMs: 0, "second");
            try
            {
                ExportJob final = await PollAsync(
                    store, export.Id, j => ExportStateMachine.IsFinal(j.Export.Status), FinishDeadline, "a final state after the restart");
                Assert.True(final.Export.Status == ExportStatus.Done, $"ended {final.Export.Status}: {final.Export.Error?.Key} {final.Export.Error?.Details}");

                string folder = Path.Combine(output, export.Id);
                var chunks = final.Export.Result!.Chunks;
                Assert.Equal(reference.Count, chunks.Count);
                for (int i = 0; i < chunks.Count; i++)
                {
                    byte[] bytes = await File.ReadAllBytesAsync(Path.Combine(folder, chunks[i].Info.Name));
                    Assert.True(reference[i].AsSpan().SequenceEqual(bytes), $"chunk {i + 1} differs from the reference run");
                }

                // Exactly the published chunks and the manifest: nothing of the killed run, no temporary file.
                Assert.Equal(
                    chunks.Select(c => c.Info.Name).Append(ExportEngine.ManifestName).Order(StringComparer.Ordinal),
                    Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
                Assert.Equal(2, await AttemptsAsync(db, export.Id));
            }
            finally
            {
                second.Kill(entireProcessTree: true);
                await second.WaitForExitAsync();
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static Process StartWorker(string schema, string output, int leaseMs, int pauseMs, string name)
    {
        // The worker's build output sits beside this project's: the same configuration and framework folders.
        string dll = Path.Combine(
            AppContext.BaseDirectory.Replace("VoucherExport.Integration.Tests", "VoucherExport.CrashWorker", StringComparison.Ordinal),
            "VoucherExport.CrashWorker.dll");
        Assert.True(File.Exists(dll), $"the worker is not built: {dll}");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { dll, schema, output, leaseMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     pauseMs.ToString(System.Globalization.CultureInfo.InvariantCulture), name })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<ExportJob> PollAsync(
        PostgresExportStore store, string exportId, Func<ExportJob, bool> done, TimeSpan deadline, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            ExportJob? job = await store.GetAsync("app", exportId, CancellationToken.None);
            Assert.NotNull(job);
            if (done(job))
            {
                return job;
            }

            if (clock.Elapsed > deadline)
            {
                throw new Xunit.Sdk.XunitException(
                    $"no {what} within {deadline}: the export is {job.Export.Status} with {job.Export.Progress?.Rows} rows");
            }

            await Task.Delay(PollEvery);
        }
    }

    private static async Task<int> AttemptsAsync(PgTestDatabase db, string exportId)
    {
        await using var command = db.DataSource.CreateCommand($"SELECT attempts FROM \"{db.Schema}\".voucher_exports WHERE id = $1");
        command.Parameters.AddWithValue(exportId);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

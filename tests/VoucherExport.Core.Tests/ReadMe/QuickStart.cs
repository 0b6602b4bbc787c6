using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.ReadMe;

/// <summary>The README's host quick start, compiled and run by <see cref="ReadMeTests"/> so it cannot rot.</summary>
internal static class QuickStart
{
    public static async Task<(ExportObject Done, ExportResult Result)> RunAsync(string folder)
    {
        // README-BEGIN
        // A ledger (here the demo one; in a host, your own ITransactionSource) and where chunks go.
        var ledger = new DemoLedger(rows: 10_000);
        await using var registry = new ExportRegistry(
            new InMemoryExportStore(),
            ledger.AsSource(),
            new FileSystemChunkSinkFactory(folder),
            vouchers: new InMemoryVoucherDirectory(ledger.Vouchers));

        // POST /v1/vouchers/{code}/transactions/export, then poll GET /v1/exports/{id}.
        ExportObject created = await registry.CreateVoucherTransactionsExportAsync(
            "my-app", ledger.Vouchers[0].Code, parameters: null);
        ExportObject done = (await registry.WaitAsync("my-app", created.Id))!;
        Console.WriteLine($"{done.Status}: {done.Result!.Rows} rows, {done.Result.Chunks.Count} chunk(s) at {done.Result.Url}");

        // Or one export in-process, without a registry:
        ExportParameters parameters = ExportParametersParser.Parse(
            """{"order":"created_at","fields":["id","amount","balance","created_at"]}"""u8);
        ExportResult result = await ExportEngine.RunAsync(
            ExportRequest.For(parameters), ledger.AsSource(), new FileSystemChunkSinkFactory(folder));
        // README-END
        return (done, result);
    }
}

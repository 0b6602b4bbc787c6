using System.Buffers;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Tests.Support;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Ordering;

/// <summary>Runs exports for the ordering tests and says what their bytes must be.</summary>
internal static class SortKit
{
    public static ExportParameters AllFields(ExportOrder order) => new(order, TransactionFields.All, null);

    public static ExportRequest Request(ExportOrder order, SortOptions sort) =>
        ExportRequest.For(AllFields(order)) with { Sort = sort };

    /// <summary>
    /// The bytes of an unchunked export of <paramref name="rows"/>: LINQ's stable ordering by (created_at, ordinal id)
    /// and the record writer alone, with no sorter of ours involved.
    /// </summary>
    public static byte[] Reference(IEnumerable<VoucherTransaction> rows, ExportOrder order)
    {
        var writer = new CsvRecordWriter(CsvFormat.Default, TransactionFields.All);
        var output = new ArrayBufferWriter<byte>();
        output.Write(writer.Preamble.Span);
        var ordered = order == ExportOrder.CreatedAtAscending
            ? rows.OrderBy(r => r.CreatedAt.UtcTicks).ThenBy(r => r.Id, StringComparer.Ordinal)
            : rows.OrderByDescending(r => r.CreatedAt.UtcTicks).ThenByDescending(r => r.Id, StringComparer.Ordinal);
        foreach (var row in ordered)
        {
            writer.WriteRecord(output, row);
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>Runs the export to the end and returns its chunks joined into one file's bytes.</summary>
    public static async Task<byte[]> ExportAsync(
        ExportRequest request, ITransactionSource source, IProgress<ExportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var sinks = new InMemoryChunkSinkFactory();
        await ExportEngine.RunAsync(request, source, sinks, progress, cancellationToken);
        return Unchunked(sinks.Find(request.Export.Id)!, request);
    }

    public static byte[] Unchunked(InMemoryChunkSink sink, ExportRequest request)
    {
        int preamble = new CsvRecordWriter(request.Csv, request.Export.Parameters.Fields).Preamble.Length;
        var chunks = sink.Committed.Where(kv => kv.Key != ExportEngine.ManifestName).Select(kv => kv.Value).ToList();
        return ExportFiles.Concatenate(chunks, preamble);
    }

    /// <summary>Every file and folder under <paramref name="folder"/>.</summary>
    public static string[] Entries(string folder) =>
        Directory.Exists(folder) ? Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories) : [];

    /// <summary>Run files (<c>voucher-export-sort-*/run-*.bin</c>) under <paramref name="folder"/>.</summary>
    public static int RunFiles(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, "run-*.bin", SearchOption.AllDirectories).Length : 0;

    /// <summary>Drains a sorter into a list of rows.</summary>
    public static async Task<List<VoucherTransaction>> DrainAsync(ExternalSorter sorter, CancellationToken cancellationToken = default)
    {
        var all = new List<VoucherTransaction>();
        await foreach (var batch in sorter.ReadSortedAsync(cancellationToken))
        {
            for (int i = 0; i < batch.Length; i++)
            {
                all.Add(batch.Span[i]);
            }
        }

        return all;
    }

    /// <summary>Adds every row, spilling whenever the run is full, as the engine does.</summary>
    public static async Task AddAllAsync(ExternalSorter sorter, IEnumerable<VoucherTransaction> rows)
    {
        foreach (var row in rows)
        {
            if (!sorter.TryAdd(row))
            {
                await sorter.SpillAsync(CancellationToken.None);
                Assert.True(sorter.TryAdd(row), "an empty run takes any row");
            }
        }
    }
}

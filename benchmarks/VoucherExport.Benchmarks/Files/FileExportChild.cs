using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Benchmarks.Files;

/// <summary>
/// One side of the file comparison in a process of its own: <c>--file-export-child engine|duckdb LEDGER ORDER
/// streamed|sorted OUTPUT</c>. Exports the ledger, then prints <see cref="ChildFigures"/> as one JSON line.
/// </summary>
internal static class FileExportChild
{
    public const string Flag = "--file-export-child";

    /// <summary>The issue's 12 columns: every field but the derived status, in SPEC order.</summary>
    private static readonly System.Collections.Immutable.ImmutableArray<TransactionField> s_fields = BenchmarkData.Fields;

    public static async Task<int> RunAsync(string[] args)
    {
        int at = Array.IndexOf(args, Flag);
        string side = args[at + 1], ledger = args[at + 2], order = args[at + 3], output = args[at + 5];
        bool sorted = args[at + 4] == "sorted";
        ExportOrder exportOrder = order == "created_at" ? ExportOrder.CreatedAtAscending : ExportOrder.CreatedAtDescending;

        using var self = Process.GetCurrentProcess();
        TimeSpan cpuBefore = self.TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        long rows = side switch
        {
            "engine" => await EngineAsync(ledger, exportOrder, sorted, output),
            "duckdb" => DuckDb(ledger, exportOrder, sorted, output),
            _ => throw new ArgumentException($"unknown side {side}"),
        };
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        self.Refresh();
        double cpu = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
        Console.WriteLine(JsonSerializer.Serialize(new ChildFigures(rows, seconds, cpu, PeakResidentBytes())));
        return 0;
    }

    private static async Task<long> EngineAsync(string ledger, ExportOrder order, bool sorted, string output)
    {
        var source = new JsonLinesTransactionSource(ledger, new JsonLinesSourceOptions { DeclaredOrder = sorted ? null : order });
        var request = ExportRequest.For(new ExportParameters(order, s_fields, null));
        ExportResult result = await ExportEngine.RunAsync(request, source, new FileSystemChunkSinkFactory(output));
        return result.Result.Rows;
    }

    private static long DuckDb(string ledger, ExportOrder order, bool sorted, string output)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = $"SET temp_directory = '{Quote(Path.Combine(output, "duckdb-temp"))}'";
        command.ExecuteNonQuery();

        string columns = string.Join(", ", s_fields.Select(f => $"{Expression(f)} AS \"{TransactionFields.Label(f)}\""));
        string direction = order == ExportOrder.CreatedAtAscending ? "ASC" : "DESC";
        string orderBy = sorted ? $" ORDER BY created_at {direction}, id {direction}" : "";
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
            COPY (
              SELECT {columns}
              FROM read_json('{Quote(ledger)}', format = 'newline_delimited', columns = {"{"}
                id: 'VARCHAR', source_id: 'VARCHAR', voucher_id: 'VARCHAR', campaign_id: 'VARCHAR', source: 'VARCHAR',
                reason: 'VARCHAR', type: 'VARCHAR', details: 'JSON', related_transaction_id: 'VARCHAR', created_at: 'TIMESTAMP'{"}"})
              {orderBy}
            ) TO '{Quote(Path.Combine(output, "part-00001.csv"))}' (HEADER, NEW_LINE '\r\n')
            """);
        return command.ExecuteNonQuery();
    }

    /// <summary>
    /// The SQL of one export column, as the engine computes it (amount and balance from details.balance), so that both
    /// sides write the same bytes (checked on a 20,000-row ledger, both orders, when this comparison was written).
    /// </summary>
    private static string Expression(TransactionField field) => field switch
    {
        TransactionField.CreatedAt => "strftime(created_at, '%Y-%m-%dT%H:%M:%S.%gZ')",
        TransactionField.Amount => "CAST(COALESCE(json_extract(details, '$.balance.amount'), json_extract(details, '$.balance.points')) AS BIGINT)",
        TransactionField.Balance => "CAST(json_extract(details, '$.balance.balance') AS BIGINT)",
        TransactionField.Details => "details",
        // The engine writes an empty text as an empty cell, DuckDB as "" unless it is NULL.
        _ => $"NULLIF({TransactionFields.Name(field)}, '')",
    };

    private static string Quote(string text) => text.Replace("'", "''", StringComparison.Ordinal);

    private static long PeakResidentBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}

using System.Collections.Immutable;
using System.Text;
using VoucherExport.Csv;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Benchmarks;

/// <summary>
/// The one dataset every case writes: the demo ledger's rows, oldest first, all 12 fields in SPEC order, the default
/// dialect (comma, CRLF, labels, no BOM). Built once, outside every timing.
/// </summary>
internal sealed class BenchmarkData
{
    /// <summary>The seed of every run, so results from different runs describe the same bytes.</summary>
    public const int Seed = 20240101;

    /// <summary><c>created_at</c> as every case writes it: ISO 8601 in UTC with milliseconds.</summary>
    public const string DateFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private BenchmarkData(VoucherTransaction[] rows)
    {
        Rows = rows;

        // UTF-16 writers need text; decoding here, untimed, favours them over the engine, which reads the UTF-8 as is.
        DetailsText = [.. rows.Select(r => r.Details.IsEmpty ? null : Encoding.UTF8.GetString(r.Details.Span))];
        Labels = [.. Fields.Select(TransactionFields.Label)];
    }

    /// <summary>The exported fields, in SPEC order: the 12 a transaction has (not status, an always-empty column).</summary>
    public static ImmutableArray<TransactionField> Fields => [.. TransactionFields.All.Where(f => f != TransactionField.Status)];

    /// <summary>The dialect: the defaults.</summary>
    public static CsvFormat Format => CsvFormat.Default;

    public VoucherTransaction[] Rows { get; }

    /// <summary><c>details</c> of each row as a string, or null; for the peers that only take UTF-16.</summary>
    public string?[] DetailsText { get; }

    /// <summary>The header labels.</summary>
    public string[] Labels { get; }

    public static BenchmarkData Create(int rows) => new(new DemoLedger(rows, Seed).Transactions().ToArray());
}

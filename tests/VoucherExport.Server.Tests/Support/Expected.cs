using System.Globalization;
using System.Text;
using Sylvan.Data.Csv;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Server.Tests.Support;

/// <summary>What an export should contain, computed from the ledger by hand, and the CSV read back with Sylvan.</summary>
internal static class Expected
{
    public static readonly string[] SeedFields =
        ["id", "type", "source_id", "reason", "balance", "amount", "created_at", "voucher_id", "campaign_id", "details", "source"];

    /// <summary>The rows of <paramref name="ledger"/> that pass <paramref name="keep"/>, newest first (id breaks ties), as CSV cells.</summary>
    public static List<string[]> Rows(IEnumerable<VoucherTransaction> ledger, Func<VoucherTransaction, bool> keep, string[] fields, bool newestFirst = true)
    {
        var kept = ledger.Where(keep).ToList();
        kept.Sort((a, b) =>
        {
            int c = a.CreatedAt.CompareTo(b.CreatedAt);
            c = c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
            return newestFirst ? -c : c;
        });
        return [.. kept.Select(t => fields.Select(f => Cell(t, f)).ToArray())];
    }

    public static string Cell(VoucherTransaction t, string field) => field switch
    {
        "id" => t.Id,
        "type" => t.Type,
        "source_id" => t.SourceId ?? "",
        "reason" => t.Reason ?? "",
        "balance" => t.Balance?.ToString(CultureInfo.InvariantCulture) ?? "",
        "amount" => t.Amount?.ToString(CultureInfo.InvariantCulture) ?? "",
        "created_at" => ExportJson.FormatTimestamp(t.CreatedAt),
        "voucher_id" => t.VoucherId ?? "",
        "campaign_id" => t.CampaignId ?? "",
        "details" => Encoding.UTF8.GetString(t.Details.Span),
        "related_transaction_id" => t.RelatedTransactionId ?? "",
        "source" => t.Source ?? "",
        "status" => "",
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    /// <summary>The header and the records of a CSV, parsed with Sylvan (an independent reader).</summary>
    public static (string[] Header, List<string[]> Rows) ParseCsv(byte[] csv)
    {
        using var reader = CsvDataReader.Create(new StringReader(Encoding.UTF8.GetString(csv)));
        string[] header = [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)];
        var rows = new List<string[]>();
        while (reader.Read())
        {
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetString)]);
        }

        return (header, rows);
    }
}

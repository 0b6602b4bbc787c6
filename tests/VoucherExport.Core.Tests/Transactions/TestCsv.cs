using System.Globalization;
using System.Text;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

/// <summary>A plain RFC 4180 writer for test input, independent of the engine's CSV writer.</summary>
internal static class TestCsv
{
    public static byte[] Write(IEnumerable<VoucherTransaction> rows, char delimiter, bool labels, string newline = "\r\n")
    {
        var text = new StringBuilder();
        text.AppendJoin(delimiter, TransactionFields.All.Select(f => Quote(labels ? TransactionFields.Label(f) : TransactionFields.Name(f), delimiter)));
        text.Append(newline);
        foreach (VoucherTransaction t in rows)
        {
            text.AppendJoin(delimiter, TransactionFields.All.Select(f => Quote(Cell(t, f), delimiter)));
            text.Append(newline);
        }

        return new UTF8Encoding(false).GetBytes(text.ToString());
    }

    private static string Cell(VoucherTransaction t, TransactionField field) => field switch
    {
        TransactionField.Id => t.Id,
        TransactionField.Type => t.Type,
        TransactionField.SourceId => t.SourceId ?? "",
        TransactionField.Reason => t.Reason ?? "",
        TransactionField.Balance => t.Balance?.ToString(CultureInfo.InvariantCulture) ?? "",
        TransactionField.Amount => t.Amount?.ToString(CultureInfo.InvariantCulture) ?? "",
        TransactionField.CreatedAt => t.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        TransactionField.VoucherId => t.VoucherId ?? "",
        TransactionField.CampaignId => t.CampaignId ?? "",
        TransactionField.Details => Encoding.UTF8.GetString(t.Details.Span),
        TransactionField.RelatedTransactionId => t.RelatedTransactionId ?? "",
        TransactionField.Status => "",
        _ => t.Source ?? "",
    };

    private static string Quote(string cell, char delimiter)
        => cell.AsSpan().IndexOfAny([delimiter, '"', '\r', '\n']) >= 0 ? $"\"{cell.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : cell;
}

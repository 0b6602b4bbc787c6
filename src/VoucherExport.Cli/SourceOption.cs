using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Cli;

/// <summary>Turns <c>--source</c> and <c>--vouchers</c> into a transaction source and a voucher directory.</summary>
internal static class SourceOption
{
    public static (ITransactionSource Source, IVoucherDirectory Vouchers, string Description) Open(string source, string? vouchersPath, string? sourceOrder = null)
    {
        ExportOrder? declared = sourceOrder switch
        {
            null => null,
            "created_at" => ExportOrder.CreatedAtAscending,
            "-created_at" => ExportOrder.CreatedAtDescending,
            _ => throw new CliInputException("--source-order", $"'{sourceOrder}' is not created_at or -created_at"),
        };
        if (declared is not null && (source.StartsWith("demo:", StringComparison.Ordinal) || source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)))
        {
            throw new CliInputException("--source-order", "only a .jsonl ledger can declare its order");
        }

        IVoucherDirectory directory = InMemoryVoucherDirectory.Empty;
        if (vouchersPath is not null)
        {
            if (!File.Exists(vouchersPath))
            {
                throw new CliInputException("--vouchers", $"no such file: {vouchersPath}");
            }

            try
            {
                directory = new InMemoryVoucherDirectory(VoucherJsonLines.Read(vouchersPath));
            }
            catch (LedgerFormatException e)
            {
                throw new CliInputException("--vouchers", e.Message);
            }
        }

        if (source.StartsWith("demo:", StringComparison.Ordinal))
        {
            if (!long.TryParse(source.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long rows))
            {
                throw new CliInputException("--source", $"'{source}': demo:N needs a row count, e.g. demo:100000");
            }

            var ledger = new DemoLedger(rows);
            return (ledger.AsSource(), vouchersPath is null ? new InMemoryVoucherDirectory(ledger.Vouchers) : directory, $"demo ledger of {rows:N0} rows");
        }

        if (!File.Exists(source))
        {
            throw new CliInputException("--source", $"no such file: {source} (give a .jsonl or .csv ledger, or demo:N)");
        }

        ITransactionSource opened = source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)
            ? new CsvTransactionSource(source)
            : new JsonLinesTransactionSource(source, new JsonLinesSourceOptions { DeclaredOrder = declared });
        return (opened, directory, source);
    }
}

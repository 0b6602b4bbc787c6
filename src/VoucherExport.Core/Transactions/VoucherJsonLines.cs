namespace VoucherExport.Transactions;

/// <summary>Reads and writes vouchers as JSON Lines: <c>{"id","code","campaign_id","type"}</c> a line.</summary>
public static class VoucherJsonLines
{
    /// <summary>Reads every voucher of the file; a bad line is a <see cref="LedgerFormatException"/>.</summary>
    public static IReadOnlyList<VoucherInfo> Read(string path) => throw new NotImplementedException();

    /// <summary>Writes <paramref name="vouchers"/>, one a line.</summary>
    public static void Write(Stream output, IEnumerable<VoucherInfo> vouchers) => throw new NotImplementedException();
}

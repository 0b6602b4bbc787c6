using System.Text.Json;

namespace VoucherExport.Transactions;

/// <summary>Reads and writes one Voucherify transaction object as UTF-8 JSON (the JSON Lines interchange of SPEC §3).</summary>
public static class TransactionJson
{
    /// <summary>
    /// Parses one transaction object. Throws <see cref="FormatException"/> saying what was wrong (the caller adds the line).
    /// <c>amount</c> and <c>balance</c> are taken from <c>details.balance</c>; <c>details</c> is kept compact.
    /// </summary>
    public static VoucherTransaction Parse(ReadOnlySpan<byte> utf8Json) => throw new NotImplementedException();

    /// <summary>Writes a transaction as Voucherify's list-transactions endpoint returns it.</summary>
    public static void Write(Utf8JsonWriter writer, VoucherTransaction transaction) => throw new NotImplementedException();
}

using CommunityToolkit.HighPerformance.Buffers;

namespace VoucherExport.Transactions;

/// <summary>
/// The string pool one read of a file ledger shares its repeating texts through (voucher and campaign ids, sources,
/// types, short reasons): a ledger names a few thousand vouchers across millions of rows, so each row takes the one
/// copy instead of allocating its own. Only short texts are pooled, so a hostile file cannot make the pool hold much.
/// </summary>
internal static class SharedStrings
{
    /// <summary>The longest text pooled, in UTF-8 bytes or chars: ids are about 30; longer texts are rarely repeated.</summary>
    public const int MaxBytes = 64;

    /// <summary>
    /// Entries a read's pool holds (it evicts the least used of a bucket when full): room for tens of thousands of
    /// vouchers, at most a few MiB with <see cref="MaxBytes"/>-long texts.
    /// </summary>
    public const int PoolSize = 16 * 1024;

    /// <summary>A fresh pool for one read; it is dropped with the read, so nothing of a ledger outlives its export.</summary>
    public static StringPool ForOneRead() => new(PoolSize);
}

using Npgsql;
using VoucherExport.Transactions;

namespace VoucherExport.Hosting;

/// <summary>An opened ledger: its transactions, its vouchers, a line describing it, and the connections it owns.</summary>
public sealed class OpenedLedger : IDisposable
{
    private readonly NpgsqlDataSource? _dataSource;

    internal OpenedLedger(ITransactionSource? source, IVoucherDirectory vouchers, string description, NpgsqlDataSource? dataSource = null)
    {
        Source = source;
        Vouchers = vouchers;
        Description = description;
        _dataSource = dataSource;
    }

    /// <summary>The transactions; null when the location names no ledger (no database, file or demo rows).</summary>
    public ITransactionSource? Source { get; }

    /// <summary>The vouchers that resolve codes, campaigns and member cards.</summary>
    public IVoucherDirectory Vouchers { get; }

    /// <summary>What was opened, for the start-up log: never a password.</summary>
    public string Description { get; }

    /// <summary>The PostgreSQL connections of a database ledger, or null.</summary>
    internal NpgsqlDataSource? DataSource => _dataSource;

    /// <summary>Closes the ledger's connections.</summary>
    public void Dispose() => _dataSource?.Dispose();
}

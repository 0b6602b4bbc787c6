namespace VoucherExport.Transactions;

/// <summary>What a progress count counts.</summary>
public enum ProgressUnit
{
    /// <summary>Rows (a demo or in-memory ledger, rows written after a sort).</summary>
    Rows,

    /// <summary>Bytes of the source read (a file).</summary>
    Bytes,
}

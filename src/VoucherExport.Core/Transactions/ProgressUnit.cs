namespace VoucherExport.Transactions;

/// <summary>What a progress count counts.</summary>
public enum ProgressUnit
{
    /// <summary>Rows (a demo or in-memory ledger, rows written after a sort).</summary>
    Rows,

    /// <summary>Bytes of the source read (a file).</summary>
    Bytes,

    /// <summary>
    /// Rows read, of a total the source only estimated (PostgreSQL: the planner's row estimate of the export's query).
    /// The rows read may fall short of it or pass it; a percent made of it is clamped at 100.
    /// </summary>
    EstimatedRows,
}

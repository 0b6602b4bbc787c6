namespace VoucherExport.Transactions;

/// <summary>What a file ledger does with a row it cannot read (bad JSON, a wrong type, a missing field, invalid UTF-8, a line over the limit).</summary>
public enum MalformedRowPolicy
{
    /// <summary>The export fails with a <see cref="LedgerFormatException"/> naming the line (the default: an audit file must not silently lose rows).</summary>
    Fail,

    /// <summary>
    /// The row is left out and counted in <see cref="TransactionQuery.SkippedRows"/>; the export's result reports the count.
    /// Damage the reader cannot step over (a bad CSV header, an unterminated quote, a CSV record over the limit) still fails.
    /// </summary>
    Skip,
}

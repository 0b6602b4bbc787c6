using VoucherExport.Parameters;

namespace VoucherExport.Csv;

/// <summary>A cell is too large to be written as one contiguous CSV field; the message names the row and the column.</summary>
public sealed class CsvCellTooLargeException : Exception
{
    /// <summary>Creates the exception for column <paramref name="field"/> of transaction <paramref name="transactionId"/>.</summary>
    public CsvCellTooLargeException(string transactionId, TransactionField field, long bytes)
        : base($"transaction {transactionId}: column {TransactionFields.Name(field)} may need {bytes} bytes, more than one CSV cell can hold")
    {
        TransactionId = transactionId;
        Field = field;
        Bytes = bytes;
    }

    /// <summary>The id of the transaction whose record was being written.</summary>
    public string TransactionId { get; }

    /// <summary>The column that was too large.</summary>
    public TransactionField Field { get; }

    /// <summary>The worst-case size the cell could take, in bytes.</summary>
    public long Bytes { get; }
}

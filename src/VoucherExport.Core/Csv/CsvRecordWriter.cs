using System.Buffers;
using System.Collections.Immutable;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Csv;

/// <summary>
/// Writes voucher transactions as UTF-8 CSV records into an <see cref="IBufferWriter{T}"/>, with a column plan
/// made once: numbers and dates are formatted straight to UTF-8 with no escape scan; text is scanned and quoted only when needed.
/// </summary>
public sealed class CsvRecordWriter
{
    /// <summary>Plans the columns of <paramref name="fields"/> in <paramref name="format"/>.</summary>
    public CsvRecordWriter(CsvFormat format, ImmutableArray<TransactionField> fields)
        => throw new NotImplementedException();

    /// <summary>The bytes every chunk starts with: the BOM when asked for, then the header record.</summary>
    public ReadOnlyMemory<byte> Preamble => throw new NotImplementedException();

    /// <summary>Writes one record, terminator included; returns the number of bytes written.</summary>
    public int WriteRecord(IBufferWriter<byte> output, VoucherTransaction transaction)
        => throw new NotImplementedException();
}

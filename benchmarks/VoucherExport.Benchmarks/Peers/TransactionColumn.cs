using System.Data.Common;

namespace VoucherExport.Benchmarks.Peers;

/// <summary>The schema of one column of <see cref="TransactionDataReader"/>, which Sylvan reads to plan its field writers.</summary>
internal sealed class TransactionColumn : DbColumn
{
    public TransactionColumn(int ordinal, string name, Type type)
    {
        ColumnOrdinal = ordinal;
        ColumnName = name;
        DataType = type;
        DataTypeName = type.Name;
        AllowDBNull = true;
    }
}

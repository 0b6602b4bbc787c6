using System.Collections;
using System.Collections.ObjectModel;
using System.Data.Common;
using VoucherExport.Transactions;

namespace VoucherExport.Benchmarks.Peers;

/// <summary>
/// The benchmark rows as a forward-only <see cref="DbDataReader"/>, the input Sylvan's writer takes: typed getters that
/// allocate nothing (details come pre-decoded from <see cref="BenchmarkData.DetailsText"/>).
/// </summary>
internal sealed class TransactionDataReader(BenchmarkData data) : DbDataReader, IDbColumnSchemaGenerator
{
    private static readonly Type[] s_types =
    [
        typeof(string), typeof(string), typeof(string), typeof(string), typeof(long), typeof(long), typeof(DateTime),
        typeof(string), typeof(string), typeof(string), typeof(string), typeof(string),
    ];

    private readonly VoucherTransaction[] _rows = data.Rows;
    private int _index = -1;

    public override int FieldCount => s_types.Length;

    public override int Depth => 0;

    public override bool HasRows => _rows.Length > 0;

    public override bool IsClosed => false;

    public override int RecordsAffected => -1;

    public override object this[int ordinal] => GetValue(ordinal);

    public override object this[string name] => GetValue(GetOrdinal(name));

    public override bool Read() => ++_index < _rows.Length;

    public ReadOnlyCollection<DbColumn> GetColumnSchema() =>
        new([.. s_types.Select((type, i) => (DbColumn)new TransactionColumn(i, data.Labels[i], type))]);

    public override bool NextResult() => false;

    public override string GetName(int ordinal) => data.Labels[ordinal];

    public override int GetOrdinal(string name) => Array.IndexOf(data.Labels, name);

    public override Type GetFieldType(int ordinal) => s_types[ordinal];

    public override string GetDataTypeName(int ordinal) => s_types[ordinal].Name;

    public override bool IsDBNull(int ordinal) => ordinal switch
    {
        4 => _rows[_index].Balance is null,
        5 => _rows[_index].Amount is null,
        6 => false,
        9 => data.DetailsText[_index] is null,
        _ => Text(ordinal) is null,
    };

    public override string GetString(int ordinal) => ordinal == 9 ? data.DetailsText[_index]! : Text(ordinal)!;

    public override long GetInt64(int ordinal) => ordinal == 4 ? _rows[_index].Balance!.Value : _rows[_index].Amount!.Value;

    public override DateTime GetDateTime(int ordinal) => _rows[_index].CreatedAt.UtcDateTime;

    public override object GetValue(int ordinal) => IsDBNull(ordinal) ? DBNull.Value : s_types[ordinal] == typeof(string)
        ? GetString(ordinal)
        : s_types[ordinal] == typeof(long) ? GetInt64(ordinal) : GetDateTime(ordinal);

    public override int GetValues(object[] values)
    {
        int count = Math.Min(values.Length, FieldCount);
        for (int i = 0; i < count; i++)
        {
            values[i] = GetValue(i);
        }

        return count;
    }

    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length)
    {
        string text = GetString(ordinal);
        if (buffer is null)
        {
            return text.Length;
        }

        int count = (int)Math.Min(length, text.Length - dataOffset);
        text.CopyTo((int)dataOffset, buffer, bufferOffset, count);
        return count;
    }

    public override bool GetBoolean(int ordinal) => throw new NotSupportedException();

    public override byte GetByte(int ordinal) => throw new NotSupportedException();

    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length) => throw new NotSupportedException();

    public override char GetChar(int ordinal) => throw new NotSupportedException();

    public override decimal GetDecimal(int ordinal) => throw new NotSupportedException();

    public override double GetDouble(int ordinal) => throw new NotSupportedException();

    public override float GetFloat(int ordinal) => throw new NotSupportedException();

    public override Guid GetGuid(int ordinal) => throw new NotSupportedException();

    public override short GetInt16(int ordinal) => throw new NotSupportedException();

    public override int GetInt32(int ordinal) => throw new NotSupportedException();

    public override IEnumerator GetEnumerator() => throw new NotSupportedException();

    private string? Text(int ordinal)
    {
        VoucherTransaction row = _rows[_index];
        return ordinal switch
        {
            0 => row.Id,
            1 => row.Type,
            2 => row.SourceId,
            3 => row.Reason,
            7 => row.VoucherId,
            8 => row.CampaignId,
            10 => row.RelatedTransactionId,
            11 => row.Source,
            _ => throw new ArgumentOutOfRangeException(nameof(ordinal)),
        };
    }
}

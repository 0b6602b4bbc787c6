using System.Collections;

namespace VoucherExport.Registry;

/// <summary>The logging scope of one export: every line logged while it runs carries <c>ExportId</c> and <c>AppId</c>.</summary>
internal sealed class ExportLogScope(string exportId, string appId) : IReadOnlyList<KeyValuePair<string, object>>
{
    public int Count => 2;

    public KeyValuePair<string, object> this[int index] => index switch
    {
        0 => new("ExportId", exportId),
        1 => new("AppId", appId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"ExportId:{exportId} AppId:{appId}";
}

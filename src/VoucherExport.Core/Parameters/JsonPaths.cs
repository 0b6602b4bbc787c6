namespace VoucherExport.Parameters;

/// <summary>Builds the JSON paths that errors name, e.g. <c>parameters.filters.amount.conditions.$in[2]</c>.</summary>
internal static class JsonPaths
{
    /// <summary>The path of property <paramref name="name"/> inside <paramref name="path"/>.</summary>
    public static string Property(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    /// <summary>The path of element <paramref name="index"/> of the array at <paramref name="path"/>.</summary>
    public static string Index(string path, int index) => $"{path}[{index}]";
}

using System.Text.Json;

namespace VoucherExport.Parameters;

/// <summary>Writes stored <see cref="ExportParameters"/> back as JSON, the way the export object echoes them.</summary>
public static class ExportParametersJson
{
    /// <summary>Writes <paramref name="parameters"/> as a JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, ExportParameters parameters)
        => throw new NotImplementedException();
}

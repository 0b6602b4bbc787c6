using System.Text.Json;

namespace VoucherExport.Parameters;

/// <summary>Parses and validates the <c>parameters</c> of a voucher-transactions export (SPEC §2).</summary>
public static class ExportParametersParser
{
    /// <summary>
    /// Validates a <c>parameters</c> object. A missing or null element gives the defaults.
    /// Throws <see cref="ExportValidationException"/> naming the offending path (rooted at <paramref name="path"/>).
    /// </summary>
    public static ExportParameters Parse(JsonElement? parameters, string path = "parameters")
        => throw new NotImplementedException();

    /// <summary>Validates a <c>parameters</c> object given as UTF-8 JSON text.</summary>
    public static ExportParameters Parse(ReadOnlySpan<byte> utf8Json, string path = "parameters")
        => throw new NotImplementedException();
}

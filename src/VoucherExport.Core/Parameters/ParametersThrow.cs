using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace VoucherExport.Parameters;

/// <summary>Throw helpers of the parameter parser, so that every rejection has the same shape.</summary>
internal static class ParametersThrow
{
    /// <summary>Throws a 400 <c>invalid_payload</c> naming <paramref name="path"/>.</summary>
    [DoesNotReturn]
    public static void InvalidPayload(string path, string problem)
        => throw new ExportValidationException(VoucherifyError.InvalidPayload(path, problem));

    /// <summary>Throws a 400 <c>invalid_export_fields</c> naming <paramref name="path"/>.</summary>
    [DoesNotReturn]
    public static void InvalidFields(string path, string problem)
        => throw new ExportValidationException(VoucherifyError.InvalidExportFields(path, problem));

    /// <summary>Throws because <paramref name="path"/> holds the same property twice.</summary>
    /// <remarks>
    /// System.Text.Json keeps both copies of a repeated name; taking either one silently would let two readers of
    /// the same request disagree, so a repeat is an error.
    /// </remarks>
    [DoesNotReturn]
    public static void Duplicate(string path)
        => InvalidPayload(path, "is given more than once");

    /// <summary>A short description of what a JSON value is, for "must be X, not Y" messages.</summary>
    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>Quotes a caller-supplied string for a message, cut short.</summary>
    public static string Quote(string? text) => text is null ? "null" : $"\"{Clip(text)}\"";

    /// <summary>Cuts a caller-supplied text short, so a huge value cannot bloat an error.</summary>
    public static string Clip(string text)
    {
        const int MaxLength = 64;
        return text.Length <= MaxLength ? text : $"{text.AsSpan(0, MaxLength)}…";
    }
}

using VoucherExport.Parameters;

namespace VoucherExport.Fuzz;

/// <summary>The parameters parser: a result, or an <see cref="ExportValidationException"/> whose error names a path.</summary>
public sealed class ParametersTarget : IFuzzTarget
{
    public string Name => "parameters";

    public void Run(ReadOnlySpan<byte> input)
    {
        try
        {
            ExportParameters parsed = ExportParametersParser.Parse(input);
            // What was accepted must compile and echo without failing.
            FilterCompiler.Compile(parsed.Filters, DateTimeOffset.UnixEpoch);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using var writer = new System.Text.Json.Utf8JsonWriter(buffer);
            ExportParametersJson.Write(writer, parsed);
        }
        catch (ExportValidationException e) when (!string.IsNullOrEmpty(e.Error.Details))
        {
        }
    }
}

using System.CommandLine;
using System.Text;
using VoucherExport.Parameters;

namespace VoucherExport.Cli;

/// <summary><c>voucher-export validate</c>: checks a parameters document without running anything.</summary>
internal static class ValidateCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var parameters = new Option<string>("--parameters") { Description = "The export parameters as JSON, or @file.json.", Required = true };
        var command = new Command("validate", """
            Checks export parameters and prints them as they would be stored; exit 2 with the error JSON when they are bad.
            Example: voucher-export validate --parameters '{"filters":{"created_at":{"conditions":{"$after":["2024-01-01"]}}}}'
            """)
        {
            parameters,
        };
        command.SetAction(async (parse, ct) =>
        {
            ExportParameters parsed = ExportCommand.ReadParameters(parse.GetValue(parameters));
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Indented = true }))
            {
                ExportParametersJson.Write(writer, parsed);
            }

            await stdout.WriteLineAsync(Encoding.UTF8.GetString(buffer.WrittenSpan));
            return ExitCodes.Done;
        });
        return command;
    }
}

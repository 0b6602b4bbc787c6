using System.Text.Json;
using VoucherExport.Parameters;

namespace VoucherExport.Tests.Parameters;

/// <summary>Found by fuzzing: invalid UTF-8 inside JSON strings must be a validation error, not a crash.</summary>
public class InvalidUtf8Tests
{
    private static readonly byte[] BadField = [.. "{\"fields\":[\"i"u8, 0xFF, .. "\"]}"u8];

    [Fact]
    public void FromBytesIsAnInvalidPayloadNamingTheByte()
    {
        var e = Assert.Throws<ExportValidationException>(() => ExportParametersParser.Parse(BadField));
        Assert.Equal("invalid_payload", e.Error.Key);
        Assert.Contains("UTF-8 (byte 13)", e.Error.Details, StringComparison.Ordinal);
    }

    [Fact]
    public void FromAnElementParsedElsewhereIsAnInvalidPayload()
    {
        using var document = JsonDocument.Parse(BadField);
        var e = Assert.Throws<ExportValidationException>(() => ExportParametersParser.Parse(document.RootElement));
        Assert.Equal("invalid_payload", e.Error.Key);
        Assert.Contains("UTF-8", e.Error.Details, StringComparison.Ordinal);
    }
}

using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Registry;

namespace VoucherExport.Hosting;

/// <summary>Turns the bound strings of <see cref="VoucherExportOptions"/> into the engine's immutable options.</summary>
internal static class OptionsMapping
{
    public static bool TryDelimiter(string? value, out char delimiter)
    {
        delimiter = value switch
        {
            "," => ',',
            ";" => ';',
            "|" => '|',
            "tab" or "\t" => '\t',
            _ => '\0',
        };
        return delimiter != '\0';
    }

    public static bool TryNewline(string? value, out CsvNewline newline)
    {
        newline = string.Equals(value, "lf", StringComparison.OrdinalIgnoreCase) ? CsvNewline.Lf : CsvNewline.CrLf;
        return string.Equals(value, "lf", StringComparison.OrdinalIgnoreCase) || string.Equals(value, "crlf", StringComparison.OrdinalIgnoreCase);
    }

    public static bool TryHeader(string? value, out CsvHeaderStyle header)
    {
        header = string.Equals(value, "names", StringComparison.OrdinalIgnoreCase) ? CsvHeaderStyle.Names : CsvHeaderStyle.Labels;
        return string.Equals(value, "names", StringComparison.OrdinalIgnoreCase) || string.Equals(value, "labels", StringComparison.OrdinalIgnoreCase);
    }

    public static bool TryCompression(string? value, out ChunkCompression compression)
    {
        compression = string.Equals(value, "gzip", StringComparison.OrdinalIgnoreCase) ? ChunkCompression.Gzip : ChunkCompression.None;
        return compression == ChunkCompression.Gzip || string.Equals(value, "none", StringComparison.OrdinalIgnoreCase);
    }

    public static CsvFormat Csv(VoucherExportOptions options)
    {
        TryDelimiter(options.Delimiter, out char delimiter);
        TryNewline(options.Newline, out var newline);
        TryHeader(options.Header, out var header);
        return new CsvFormat
        {
            Delimiter = delimiter,
            Newline = newline,
            Header = header,
            Bom = options.Bom,
            FormulaGuard = options.FormulaGuard,
        }.Validate();
    }

    public static ChunkLimits Chunks(VoucherExportOptions options)
    {
        TryCompression(options.Compression, out var compression);
        return new ChunkLimits
        {
            MaxChunkBytes = options.MaxChunkBytes,
            MaxChunkRows = options.MaxChunkRows,
            Compression = compression,
            CompressionLevel = options.CompressionLevel,
        }.Validate();
    }

    public static ExportRetryOptions Retry(VoucherExportOptions options) => new ExportRetryOptions
    {
        MaxAttempts = options.RetryAttempts,
        BaseDelay = options.RetryDelay,
        MaxDelay = options.RetryMaxDelay,
    }.Validate();
}

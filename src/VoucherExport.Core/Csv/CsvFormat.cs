namespace VoucherExport.Csv;

/// <summary>The CSV dialect of an export (SPEC §4). Immutable; validated when built.</summary>
public sealed record CsvFormat
{
    /// <summary>The field delimiter: <c>,</c> (default), <c>;</c>, tab or <c>|</c>.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>The record terminator; CRLF by default, as RFC 4180 says.</summary>
    public CsvNewline Newline { get; init; } = CsvNewline.CrLf;

    /// <summary>Whether each chunk starts with a UTF-8 BOM; off by default, on for Excel users.</summary>
    public bool Bom { get; init; }

    /// <summary>Labels (default, as Voucherify's files) or raw field names.</summary>
    public CsvHeaderStyle Header { get; init; } = CsvHeaderStyle.Labels;

    /// <summary>Prefix text cells that start with <c>= + - @</c>, tab, CR or LF with <c>'</c>; off by default.</summary>
    public bool FormulaGuard { get; init; }

    /// <summary>The defaults.</summary>
    public static CsvFormat Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> when the dialect cannot be written unambiguously.</summary>
    public CsvFormat Validate()
    {
        if (Delimiter is not (',' or ';' or '\t' or '|'))
        {
            throw new ArgumentException($"delimiter must be ',', ';', tab or '|', not '{Delimiter}'", nameof(Delimiter));
        }

        if (!Enum.IsDefined(Newline))
        {
            throw new ArgumentException($"newline {(int)Newline} is not a CsvNewline", nameof(Newline));
        }

        if (!Enum.IsDefined(Header))
        {
            throw new ArgumentException($"header {(int)Header} is not a CsvHeaderStyle", nameof(Header));
        }

        return this;
    }
}

namespace VoucherExport.Csv;

/// <summary>The record terminator.</summary>
public enum CsvNewline
{
    /// <summary>CR LF, as RFC 4180 says (the default).</summary>
    CrLf,
    /// <summary>LF alone.</summary>
    Lf,
}

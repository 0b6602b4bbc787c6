namespace VoucherExport.Csv;

/// <summary>What the header row holds.</summary>
public enum CsvHeaderStyle
{
    /// <summary>Voucherify-style labels, e.g. <c>Creation Date</c> (the default).</summary>
    Labels,
    /// <summary>The raw field names, e.g. <c>created_at</c>.</summary>
    Names,
}

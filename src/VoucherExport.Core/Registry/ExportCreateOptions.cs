using VoucherExport.Chunks;
using VoucherExport.Csv;

namespace VoucherExport.Registry;

/// <summary>Per-export choices a host may make beyond the Voucherify parameters.</summary>
public sealed record ExportCreateOptions
{
    /// <summary>The CSV dialect, or null for the registry's default.</summary>
    public CsvFormat? Csv { get; init; }

    /// <summary>The chunk limits and compression (e.g. gzip chunks), or null for the registry's default.</summary>
    public ChunkLimits? Chunks { get; init; }

    /// <summary><c>API</c> (default) or <c>WEBSITE</c>.</summary>
    public string Channel { get; init; } = "API";

    /// <summary>The dashboard user, set with the <c>WEBSITE</c> channel.</summary>
    public string? UserId { get; init; }

    /// <summary>The defaults.</summary>
    public static ExportCreateOptions Default { get; } = new();
}

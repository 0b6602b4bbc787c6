using System.Buffers;
using VoucherExport.Parameters;

namespace VoucherExport.Transactions;

/// <summary>How a JSON Lines ledger is read.</summary>
public sealed record JsonLinesSourceOptions
{
    /// <summary>Rows per batch handed to the engine; 1024 keeps a batch in cache and the await count low.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>The order the file is known to be in (id tie-break included), or null when unknown.</summary>
    public ExportOrder? DeclaredOrder { get; init; }

    /// <summary>
    /// Where the line buffer is rented from; default <see cref="ArrayPool{T}.Shared"/>, the process-wide pool, so
    /// consecutive reads reuse one buffer. Tests pass a recording pool to prove every buffer goes back.
    /// </summary>
    public ArrayPool<byte> BufferPool
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(value), "BufferPool must not be null");
    } = ArrayPool<byte>.Shared;

    /// <summary>The defaults.</summary>
    public static JsonLinesSourceOptions Default { get; } = new();
}

using System.Buffers;
using VoucherExport.Parameters;

namespace VoucherExport.Transactions;

/// <summary>How a JSON Lines ledger is read. Immutable; validated when the source is built.</summary>
public sealed record JsonLinesSourceOptions
{
    /// <summary>
    /// 4 MiB: a Voucherify transaction is a few KiB even with large metadata; a line a thousand times that is a broken or
    /// hostile file, and the read buffer must not grow (and stay pooled) at its size.
    /// </summary>
    public const int DefaultMaxLineBytes = 4 * 1024 * 1024;

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

    /// <summary>The longest line accepted, in bytes (<see cref="DefaultMaxLineBytes"/>); a longer one is a malformed row.</summary>
    public int MaxLineBytes { get; init; } = DefaultMaxLineBytes;

    /// <summary>Fail on the first malformed row (the default), or skip and count it.</summary>
    public MalformedRowPolicy MalformedRows { get; init; } = MalformedRowPolicy.Fail;

    /// <summary>The defaults.</summary>
    public static JsonLinesSourceOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public JsonLinesSourceOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLineBytes, 1, nameof(MaxLineBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxLineBytes, Array.MaxLength - 2, nameof(MaxLineBytes));
        if (!Enum.IsDefined(MalformedRows))
        {
            throw new ArgumentOutOfRangeException(nameof(MalformedRows), MalformedRows, "not a MalformedRowPolicy");
        }

        return this;
    }
}

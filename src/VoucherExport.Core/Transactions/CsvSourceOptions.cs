namespace VoucherExport.Transactions;

/// <summary>How a CSV ledger is read. Immutable; validated when the source is built.</summary>
public sealed record CsvSourceOptions
{
    /// <summary>
    /// 4 Mi characters: a transaction record is a few KiB; past this it is an unterminated quote or a hostile file, and the
    /// reader (which holds a whole record) must not grow its buffer further.
    /// </summary>
    public const int DefaultMaxRecordChars = 4 * 1024 * 1024;

    /// <summary>Rows per batch handed to the engine; 1024 keeps a batch in cache and the await count low.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>The longest record accepted, in characters (<see cref="DefaultMaxRecordChars"/>); a longer one fails the read.</summary>
    public int MaxRecordChars { get; init; } = DefaultMaxRecordChars;

    /// <summary>Fail on the first malformed row (the default), or skip and count it.</summary>
    public MalformedRowPolicy MalformedRows { get; init; } = MalformedRowPolicy.Fail;

    /// <summary>The defaults.</summary>
    public static CsvSourceOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public CsvSourceOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        // Sylvan needs room for a few characters of lookahead beyond the record.
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecordChars, 64, nameof(MaxRecordChars));
        if (!Enum.IsDefined(MalformedRows))
        {
            throw new ArgumentOutOfRangeException(nameof(MalformedRows), MalformedRows, "not a MalformedRowPolicy");
        }

        return this;
    }
}

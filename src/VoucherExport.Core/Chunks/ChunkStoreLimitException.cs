namespace VoucherExport.Chunks;

/// <summary>
/// The chunk limits ask for more than the store can hold (e.g. an S3 object of more than 10,000 parts). Thrown before the
/// first row is read, and never retried: a rerun would only hit the same limit later.
/// </summary>
public sealed class ChunkStoreLimitException : Exception
{
    /// <summary>Creates the exception with a message naming the limit and what to change.</summary>
    public ChunkStoreLimitException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with no message (for serializers and analyzers); prefer the message overload.</summary>
    public ChunkStoreLimitException()
    {
    }

    /// <summary>Creates the exception wrapping <paramref name="innerException"/>.</summary>
    public ChunkStoreLimitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

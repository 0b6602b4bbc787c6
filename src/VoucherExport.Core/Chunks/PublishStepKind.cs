namespace VoucherExport.Chunks;

/// <summary>The kinds of <see cref="PublishStep"/>.</summary>
internal enum PublishStepKind
{
    /// <summary>Create the chunk and write the preamble.</summary>
    Open,

    /// <summary>Write a slice of the records.</summary>
    Write,

    /// <summary>Commit the chunk.</summary>
    Commit,
}

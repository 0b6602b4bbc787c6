namespace VoucherExport.Transactions;

/// <summary>A ledger row could not be read; the message names the file, the line and what was wrong.</summary>
public sealed class LedgerFormatException : Exception
{
    /// <summary>Creates the exception for line <paramref name="line"/> of <paramref name="source"/>.</summary>
    public LedgerFormatException(string source, long line, string problem, Exception? inner = null)
        : base($"{source}: line {line}: {problem}", inner)
    {
        Source = source;
        Line = line;
        Problem = problem;
    }

    /// <summary>The ledger's name (its path, or a description).</summary>
    public new string Source { get; }

    /// <summary>The 1-based line (record) number.</summary>
    public long Line { get; }

    /// <summary>What was wrong.</summary>
    public string Problem { get; }
}

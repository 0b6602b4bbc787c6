using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary>Matches when any part matches (the <c>or</c> junction).</summary>
internal sealed class AnyOf : TransactionPredicate
{
    private readonly TransactionPredicate[] _parts;

    private AnyOf(TransactionPredicate[] parts) => _parts = parts;

    /// <summary>Combines <paramref name="parts"/>, dropping parts that never match and folding on one that always does.</summary>
    public static TransactionPredicate Create(IEnumerable<TransactionPredicate> parts)
    {
        var kept = new List<TransactionPredicate>();
        foreach (var part in parts)
        {
            if (part is MatchAll)
            {
                return MatchAll.Instance;
            }

            if (part is not MatchNone)
            {
                kept.Add(part);
            }
        }

        return kept.Count switch
        {
            0 => MatchNone.Instance,
            1 => kept[0],
            _ => new AnyOf([.. kept]),
        };
    }

    /// <inheritdoc />
    public override bool Matches(VoucherTransaction transaction)
    {
        foreach (var part in _parts)
        {
            if (part.Matches(transaction))
            {
                return true;
            }
        }

        return false;
    }
}

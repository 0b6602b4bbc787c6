using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary>Matches when every part matches (the <c>and</c> junction, and the conditions of one clause).</summary>
internal sealed class AllOf : TransactionPredicate
{
    private readonly TransactionPredicate[] _parts;

    private AllOf(TransactionPredicate[] parts) => _parts = parts;

    /// <summary>Combines <paramref name="parts"/>, dropping parts that always match and folding on one that never does.</summary>
    public static TransactionPredicate Create(IEnumerable<TransactionPredicate> parts)
    {
        var kept = new List<TransactionPredicate>();
        foreach (var part in parts)
        {
            if (part is MatchNone)
            {
                return MatchNone.Instance;
            }

            if (part is not MatchAll)
            {
                kept.Add(part);
            }
        }

        return kept.Count switch
        {
            0 => MatchAll.Instance,
            1 => kept[0],
            _ => new AllOf([.. kept]),
        };
    }

    /// <inheritdoc />
    public override bool Matches(VoucherTransaction transaction)
    {
        foreach (var part in _parts)
        {
            if (!part.Matches(transaction))
            {
                return false;
            }
        }

        return true;
    }
}

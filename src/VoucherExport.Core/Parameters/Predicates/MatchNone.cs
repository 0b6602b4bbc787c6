using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary>Matches nothing: a condition no value can meet, such as an empty date range.</summary>
internal sealed class MatchNone : TransactionPredicate
{
    private MatchNone()
    {
    }

    /// <summary>The one instance.</summary>
    public static MatchNone Instance { get; } = new();

    /// <inheritdoc />
    public override bool Matches(VoucherTransaction transaction) => false;
}

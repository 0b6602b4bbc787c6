using VoucherExport.Transactions;

namespace VoucherExport.Parameters.Predicates;

/// <summary>Matches every transaction: no filters, or a condition that always holds.</summary>
internal sealed class MatchAll : TransactionPredicate
{
    private MatchAll()
    {
    }

    /// <summary>The one instance.</summary>
    public static MatchAll Instance { get; } = new();

    /// <inheritdoc />
    public override bool Matches(VoucherTransaction transaction) => true;
}

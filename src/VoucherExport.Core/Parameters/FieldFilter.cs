using System.Collections.Immutable;

namespace VoucherExport.Parameters;

/// <summary>The clause of one field: its conditions, all of which must hold.</summary>
/// <param name="Field">The filtered field.</param>
/// <param name="Conditions">The conditions, ANDed, in request order.</param>
public sealed record FieldFilter(TransactionField Field, ImmutableArray<FilterCondition> Conditions);

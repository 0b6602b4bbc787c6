using System.Collections.Immutable;

namespace VoucherExport.Parameters;

/// <summary>The validated <c>filters</c> of an export: per-field clauses joined by a junction.</summary>
/// <param name="Junction">How the clauses combine.</param>
/// <param name="Clauses">The clauses, in request order.</param>
public sealed record FilterSet(FilterJunction Junction, ImmutableArray<FieldFilter> Clauses);

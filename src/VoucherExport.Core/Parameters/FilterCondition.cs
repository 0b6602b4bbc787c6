using System.Collections.Immutable;

namespace VoucherExport.Parameters;

/// <summary>One operator and its operands, e.g. <c>"$in": ["a", "b"]</c>.</summary>
/// <param name="Operator">The operator.</param>
/// <param name="Values">The operands (empty for <c>$has_value</c> / <c>$is_unknown</c>).</param>
public sealed record FilterCondition(FilterOperator Operator, ImmutableArray<FilterValue> Values);

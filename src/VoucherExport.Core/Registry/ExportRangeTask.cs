namespace VoucherExport.Registry;

/// <summary>
/// What makes a stored export one range task of a split export (docs/scale.md): a hidden export of its own, claimed,
/// leased, resumed and fenced like any other, whose chunks go beside its parent's under the parent's id.
/// </summary>
/// <param name="ParentId">The export it is part of; applications see only that one.</param>
/// <param name="Range">Its <c>created_at</c> range and its place in the export's order.</param>
/// <param name="StartedAt">The parent's first start: relative date filters of every task use it, as the parent's would.</param>
/// <param name="AsOf">The parent's as-of point (null: none).</param>
public sealed record ExportRangeTask(string ParentId, ExportRange Range, DateTimeOffset StartedAt, DateTimeOffset? AsOf);

using System.Collections.Immutable;

namespace VoucherExport.Parameters;

/// <summary>Names, header labels and kinds of <see cref="TransactionField"/>.</summary>
public static class TransactionFields
{
    private static readonly string[] s_names =
    [
        "id", "type", "source_id", "reason", "balance", "amount", "created_at", "voucher_id", "campaign_id",
        "details", "related_transaction_id", "source", "status",
    ];

    private static readonly string[] s_labels =
    [
        "ID", "Type", "Source ID", "Reason", "Balance", "Amount", "Creation Date", "Voucher ID", "Campaign ID",
        "Details", "Related Transaction ID", "Source", "Status",
    ];

    /// <summary>Every field, in the order of SPEC §2.2.</summary>
    public static ImmutableArray<TransactionField> All { get; } = [.. Enum.GetValues<TransactionField>()];

    /// <summary>
    /// The fields exported when a request names none: Voucherify's default list without <c>status</c>,
    /// which no transaction has.
    /// </summary>
    public static ImmutableArray<TransactionField> Default { get; } =
    [
        TransactionField.Id, TransactionField.Type, TransactionField.SourceId, TransactionField.Reason,
        TransactionField.Source, TransactionField.Balance, TransactionField.Amount, TransactionField.CreatedAt,
    ];

    /// <summary>The allowed field names, comma separated, for error messages.</summary>
    public static string AllowedList { get; } = string.Join(", ", s_names);

    /// <summary>The API name of a field, e.g. <c>source_id</c>.</summary>
    public static string Name(TransactionField field) => s_names[(int)field];

    /// <summary>The Voucherify-style header label of a field, e.g. <c>Source ID</c>.</summary>
    public static string Label(TransactionField field) => s_labels[(int)field];

    /// <summary>Whether filters may name <paramref name="field"/>: every field but <c>details</c> and <c>status</c>.</summary>
    public static bool IsFilterable(TransactionField field) => field is not (TransactionField.Details or TransactionField.Status);

    /// <summary>The kind of a field.</summary>
    public static FieldKind Kind(TransactionField field) => field switch
    {
        TransactionField.CreatedAt => FieldKind.Date,
        TransactionField.Amount or TransactionField.Balance => FieldKind.Number,
        TransactionField.Details => FieldKind.Json,
        _ => FieldKind.Text,
    };

    /// <summary>Finds a field by its API name (ordinal, case-sensitive).</summary>
    public static bool TryParse(string? name, out TransactionField field)
    {
        int i = name is null ? -1 : Array.IndexOf(s_names, name);
        field = (TransactionField)Math.Max(i, 0);
        return i >= 0;
    }
}

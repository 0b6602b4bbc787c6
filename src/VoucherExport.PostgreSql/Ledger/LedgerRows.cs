using System.Buffers;
using Npgsql;
using VoucherExport.Transactions;

namespace VoucherExport.PostgreSql;

/// <summary>The ledger columns as the source selects them, and how one row becomes a <see cref="VoucherTransaction"/>.</summary>
internal static class LedgerRows
{
    /// <summary>The select list; <see cref="Read"/> reads it in this order, as sequential access requires.</summary>
    public const string SelectList =
        "t.id, t.source_id, t.voucher_id, t.campaign_id, t.source, t.reason, t.type, t.details, "
        + "t.related_transaction_id, t.created_at, t.amount, t.balance";

    /// <summary>The columns the bulk loader writes (amount and balance are generated from details).</summary>
    public const string CopyColumns =
        "id, source_id, voucher_id, campaign_id, source, reason, type, details, related_transaction_id, created_at";

    // jsonb's binary form is a version byte, then the text.
    private const byte JsonbVersion = 1;

    /// <summary>
    /// Reads the current row. <paramref name="scratch"/> holds the raw jsonb text between calls so that only the
    /// compact copy is allocated.
    /// </summary>
    public static VoucherTransaction Read(NpgsqlDataReader reader, ref byte[] scratch) => new()
    {
        Id = reader.GetString(0),
        SourceId = OptionalText(reader, 1),
        VoucherId = OptionalText(reader, 2),
        CampaignId = OptionalText(reader, 3),
        Source = OptionalText(reader, 4),
        Reason = OptionalText(reader, 5),
        Type = reader.GetString(6),
        Details = Details(reader, 7, ref scratch),
        RelatedTransactionId = OptionalText(reader, 8),
        CreatedAt = new DateTimeOffset(reader.GetFieldValue<DateTime>(9).Ticks, TimeSpan.Zero),
        Amount = reader.IsDBNull(10) ? null : reader.GetInt64(10),
        Balance = reader.IsDBNull(11) ? null : reader.GetInt64(11),
    };

    private static string? OptionalText(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static byte[] Details(NpgsqlDataReader reader, int ordinal, ref byte[] scratch)
    {
        if (reader.IsDBNull(ordinal))
        {
            return [];
        }

        int length = checked((int)reader.GetBytes(ordinal, 0, null, 0, 0));
        if (scratch.Length < length)
        {
            ArrayPool<byte>.Shared.Return(scratch);
            scratch = ArrayPool<byte>.Shared.Rent(length);
        }

        int read = (int)reader.GetBytes(ordinal, 0, scratch, 0, length);
        int start = read > 0 && scratch[0] == JsonbVersion ? 1 : 0;
        Span<byte> text = scratch.AsSpan(start, read - start);

        // Compacting in place is safe: the write position never passes the read position.
        int compact = JsonbText.Compact(text, text);
        return text[..compact].ToArray();
    }
}

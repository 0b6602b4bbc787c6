using System.Buffers;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

/// <summary>Random transactions for properties: nasty text, extreme numbers, millisecond timestamps.</summary>
internal static class TransactionGen
{
    private static readonly string[] s_pieces =
    [
        "a", "Z", "0", " ", "\"", "\\", "\n", "\r", "\r\n", "\t", ",", ";", "|", "'", "=", "+", "-", "@",
        "é", "中", "🎁", "\u0000", "\u001f", "\u2028", "\u00a0", "<", ">", "&", "vtx_",
    ];

    public static Gen<string> Text { get; } = Gen.ArrayOf(Gen.Elements(s_pieces)).Select(string.Concat);

    public static Gen<string?> OptionalText { get; } = Gen.Frequency((1, Gen.Constant<string?>(null)), (3, Text.Select(s => (string?)s)));

    public static Gen<long> Int64 { get; } = Gen.Frequency(
        (1, Gen.Elements(0L, -1L, 1L, long.MinValue, long.MaxValue)),
        (3, Gen.Choose(int.MinValue, int.MaxValue).Select(i => (long)i)),
        (2, Gen.Choose(int.MinValue, int.MaxValue).Zip(Gen.Choose(int.MinValue, int.MaxValue), (hi, lo) => ((long)hi << 32) | (uint)lo)));

    public static Gen<long?> OptionalInt64 { get; } = Gen.Frequency((1, Gen.Constant<long?>(null)), (3, Int64.Select(v => (long?)v)));

    public static Gen<DateTimeOffset> CreatedAt { get; } =
        Gen.Choose(-700_000, 2_900_000).Zip(Gen.Choose(0, 86_399_999), (day, ms) =>
            new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(day).AddMilliseconds(ms));

    public static Gen<string> Type { get; } = Gen.Frequency(
        (4, Gen.Elements([.. TransactionTypes.GiftCard, .. TransactionTypes.LoyaltyCard, TransactionTypes.RetiredPointsCancellation])),
        (1, Text.Where(s => s.Length > 0)));

    public static Gen<VoucherTransaction> Transaction { get; } =
        from id in Text.Where(s => s.Length > 0)
        from type in Type
        from sourceId in OptionalText
        from voucherId in OptionalText
        from campaignId in OptionalText
        from source in Gen.Frequency((1, Gen.Elements<string?>(null, "API", "voucherify-web-ui", "Automation")), (1, OptionalText))
        from reason in OptionalText
        from related in OptionalText
        from createdAt in CreatedAt
        from hasDetails in Gen.Frequency((1, Gen.Constant(false)), (4, Gen.Constant(true)))
        from amount in OptionalInt64
        from usePoints in Gen.Elements(false, true)
        from balance in OptionalInt64
        from extra in OptionalText
        select Build(id, type, sourceId, voucherId, campaignId, source, reason, related, createdAt,
            hasDetails, amount, usePoints, balance, extra);

    public static Arbitrary<VoucherTransaction> Arbitrary { get; } = Transaction.ToArbitrary();

    private static VoucherTransaction Build(
        string id, string type, string? sourceId, string? voucherId, string? campaignId, string? source, string? reason,
        string? related, DateTimeOffset createdAt, bool hasDetails, long? amount, bool usePoints, long? balance, string? extra)
    {
        byte[] details = [];
        if (hasDetails)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteStartObject("balance");
                writer.WriteString("type", usePoints ? "loyalty_card" : "gift_voucher");
                if (amount is { } a)
                {
                    writer.WriteNumber(usePoints ? "points" : "amount", a);
                }

                if (balance is { } b)
                {
                    writer.WriteNumber("balance", b);
                }

                writer.WriteEndObject();
                if (extra is not null)
                {
                    writer.WriteString("note", extra);
                    writer.WriteStartArray("list");
                    writer.WriteNumberValue(1.5);
                    writer.WriteNullValue();
                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            details = buffer.WrittenSpan.ToArray();
        }

        return new VoucherTransaction
        {
            Id = id,
            Type = type,
            SourceId = sourceId,
            VoucherId = voucherId,
            CampaignId = campaignId,
            Source = source,
            Reason = reason,
            RelatedTransactionId = related,
            CreatedAt = createdAt,
            Details = details,
            Amount = hasDetails ? amount : null,
            Balance = hasDetails ? balance : null,
        };
    }
}

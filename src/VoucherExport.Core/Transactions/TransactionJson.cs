using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace VoucherExport.Transactions;

/// <summary>Reads and writes one Voucherify transaction object as UTF-8 JSON (the JSON Lines interchange of SPEC §3).</summary>
public static partial class TransactionJson
{
    // Hosts build types and sources from a handful of names; sharing these strings saves an allocation a row.
    private static readonly string[] s_knownTypes =
        [.. TransactionTypes.GiftCard, .. TransactionTypes.LoyaltyCard, TransactionTypes.RetiredPointsCancellation];

    private static readonly string[] s_knownSources = ["API", "voucherify-web-ui", "Automation"];

    private static readonly byte[][] s_knownTypesUtf8 = [.. s_knownTypes.Select(System.Text.Encoding.UTF8.GetBytes)];

    private static readonly byte[][] s_knownSourcesUtf8 = [.. s_knownSources.Select(System.Text.Encoding.UTF8.GetBytes)];

    [Flags]
    private enum Property
    {
        None = 0,
        Id = 1 << 0,
        SourceId = 1 << 1,
        VoucherId = 1 << 2,
        CampaignId = 1 << 3,
        Source = 1 << 4,
        Reason = 1 << 5,
        Type = 1 << 6,
        Details = 1 << 7,
        RelatedTransactionId = 1 << 8,
        CreatedAt = 1 << 9,
    }

    /// <summary>
    /// Parses one transaction object. Throws <see cref="FormatException"/> saying what was wrong (the caller adds the line).
    /// <c>amount</c> and <c>balance</c> are taken from <c>details.balance</c>; <c>details</c> is kept compact.
    /// </summary>
    /// <remarks>
    /// <c>id</c>, <c>type</c> and <c>created_at</c> are required. Unknown keys (such as <c>"object"</c>) are ignored;
    /// a known key given twice is an error. Any <c>type</c> text is accepted, not only the names of
    /// <see cref="TransactionTypes"/>, because ledgers gain types over time and an export must not drop rows for it.
    /// </remarks>
    public static VoucherTransaction Parse(ReadOnlySpan<byte> utf8Json) => Parse(utf8Json, strings: null);

    /// <summary>
    /// <see cref="Parse(ReadOnlySpan{byte})"/>, taking the texts that repeat across a ledger (voucher and campaign ids,
    /// unknown sources and types, short reasons) from <paramref name="strings"/>, so a row shares them instead of
    /// allocating its own copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static VoucherTransaction Parse(ReadOnlySpan<byte> utf8Json, SharedStrings? strings)
    {
        // The reader only checks UTF-8 inside strings it decodes; details are copied raw, so check the whole line.
        if (!Utf8.IsValid(utf8Json))
        {
            throw new FormatException("invalid UTF-8");
        }

        return TryParseCompact(utf8Json, strings) ?? ParseFull(utf8Json, strings);
    }

    /// <summary>The full parser alone, without the compact scan's fast path (what the scan's tests compare it with).</summary>
    internal static VoucherTransaction ParseFull(ReadOnlySpan<byte> utf8Json, SharedStrings? strings)
    {
        try
        {
            return ParseObject(utf8Json, strings);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"invalid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Writes a transaction as Voucherify's list-transactions endpoint returns it.</summary>
    /// <remarks>
    /// <c>created_at</c> is written with millisecond precision; <see cref="VoucherTransaction.Amount"/> and
    /// <see cref="VoucherTransaction.Balance"/> are not written, since they are read back from <c>details.balance</c>.
    /// </remarks>
    public static void Write(Utf8JsonWriter writer, VoucherTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(transaction);

        writer.WriteStartObject();
        writer.WriteString("id"u8, transaction.Id);
        writer.WriteString("source_id"u8, transaction.SourceId);
        writer.WriteString("voucher_id"u8, transaction.VoucherId);
        writer.WriteString("campaign_id"u8, transaction.CampaignId);
        writer.WriteString("source"u8, transaction.Source);
        writer.WriteString("reason"u8, transaction.Reason);
        writer.WriteString("type"u8, transaction.Type);
        writer.WritePropertyName("details"u8);
        if (transaction.Details.IsEmpty)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteRawValue(transaction.Details.Span);
        }

        writer.WriteString("related_transaction_id"u8, transaction.RelatedTransactionId);
        Span<byte> createdAt = stackalloc byte[Iso8601.UtcMillisecondsLength];
        writer.WriteString("created_at"u8, createdAt[..Iso8601.FormatUtc(transaction.CreatedAt, createdAt)]);
        writer.WriteString("object"u8, "transaction"u8);
        writer.WriteEndObject();
    }

    // The parse methods are compiled optimized at their first call (AggressiveOptimization): an export runs them a
    // million times within seconds, and their tier-0 code ran for a noticeable part of that (architecture.md, "CPU per
    // row of a JSON Lines export").
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static VoucherTransaction ParseObject(ReadOnlySpan<byte> json, SharedStrings? strings)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("expected a JSON object");
        }

        string? id = null, sourceId = null, voucherId = null, campaignId = null, source = null, reason = null;
        string? type = null, relatedId = null;
        DateTimeOffset createdAt = default;
        ReadOnlyMemory<byte> details = default;
        long? amount = null, balance = null;
        var seen = Property.None;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            Property property = Classify(ref reader);
            reader.Read();
            if ((seen & property) != 0)
            {
                throw new FormatException($"{Name(property)}: given twice");
            }

            seen |= property;
            switch (property)
            {
                case Property.Id:
                    id = ReadRequiredText(ref reader, "id");
                    break;
                case Property.SourceId:
                    sourceId = ReadText(ref reader, "source_id");
                    break;
                case Property.VoucherId:
                    voucherId = ReadSharedText(ref reader, "voucher_id", strings, SharedField.VoucherId);
                    break;
                case Property.CampaignId:
                    campaignId = ReadSharedText(ref reader, "campaign_id", strings, SharedField.CampaignId);
                    break;
                case Property.Source:
                    source = reader.TokenType == JsonTokenType.String
                        ? Known(ref reader, s_knownSources, s_knownSourcesUtf8, strings, SharedField.Source)
                        : ReadText(ref reader, "source");
                    break;
                case Property.Reason:
                    reason = ReadSharedText(ref reader, "reason", strings, SharedField.Reason);
                    break;
                case Property.Type:
                    type = reader.TokenType == JsonTokenType.String
                        ? Known(ref reader, s_knownTypes, s_knownTypesUtf8, strings, SharedField.Type)
                        : ReadRequiredText(ref reader, "type");
                    if (type.Length == 0)
                    {
                        throw new FormatException("type: must not be empty");
                    }

                    break;
                case Property.Details:
                    details = ReadDetails(ref reader, json, out amount, out balance);
                    break;
                case Property.RelatedTransactionId:
                    relatedId = ReadText(ref reader, "related_transaction_id");
                    break;
                case Property.CreatedAt:
                    createdAt = ReadCreatedAt(ref reader);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        // A second root value or trailing garbage makes the reader throw here.
        reader.Read();

        if (id is null)
        {
            throw new FormatException("id: missing");
        }

        if (id.Length == 0)
        {
            throw new FormatException("id: must not be empty");
        }

        if (type is null)
        {
            throw new FormatException("type: missing");
        }

        if ((seen & Property.CreatedAt) == 0)
        {
            throw new FormatException("created_at: missing");
        }

        return new VoucherTransaction
        {
            Id = id,
            SourceId = sourceId,
            VoucherId = voucherId,
            CampaignId = campaignId,
            Source = source,
            Reason = reason,
            Type = type,
            Details = details,
            RelatedTransactionId = relatedId,
            CreatedAt = createdAt,
            Amount = amount,
            Balance = balance,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Property Classify(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return Classify(reader.ValueSpan);
        }

        // The longest known name escaped as \uXXXX throughout is 132 bytes; anything longer is unknown.
        Span<byte> unescaped = stackalloc byte[160];
        return reader.ValueSpan.Length <= unescaped.Length
            ? Classify(unescaped[..Unescape(ref reader, unescaped, "a property name")])
            : Property.None;
    }

    /// <summary>Copies the current string token unescaped; an escaped unpaired surrogate is a format error, not a crash.</summary>
    private static int Unescape(ref Utf8JsonReader reader, scoped Span<byte> destination, string name)
    {
        try
        {
            return reader.CopyString(destination);
        }
        catch (InvalidOperationException ex)
        {
            throw new FormatException($"{name}: the string escapes an unpaired surrogate", ex);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Property Classify(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 when name.SequenceEqual("id"u8) => Property.Id,
        4 when name.SequenceEqual("type"u8) => Property.Type,
        6 when name.SequenceEqual("source"u8) => Property.Source,
        6 when name.SequenceEqual("reason"u8) => Property.Reason,
        7 when name.SequenceEqual("details"u8) => Property.Details,
        9 when name.SequenceEqual("source_id"u8) => Property.SourceId,
        10 when name.SequenceEqual("voucher_id"u8) => Property.VoucherId,
        10 when name.SequenceEqual("created_at"u8) => Property.CreatedAt,
        11 when name.SequenceEqual("campaign_id"u8) => Property.CampaignId,
        22 when name.SequenceEqual("related_transaction_id"u8) => Property.RelatedTransactionId,
        _ => Property.None,
    };

    private static string Name(Property property) => property switch
    {
        Property.Id => "id",
        Property.SourceId => "source_id",
        Property.VoucherId => "voucher_id",
        Property.CampaignId => "campaign_id",
        Property.Source => "source",
        Property.Reason => "reason",
        Property.Type => "type",
        Property.Details => "details",
        Property.RelatedTransactionId => "related_transaction_id",
        _ => "created_at",
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? ReadText(ref Utf8JsonReader reader, string name) => reader.TokenType switch
    {
        JsonTokenType.String => Text(ref reader, name),
        JsonTokenType.Null => null,
        _ => throw new FormatException($"{name}: expected a string or null"),
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string ReadRequiredText(ref Utf8JsonReader reader, string name)
        => reader.TokenType == JsonTokenType.String
            ? Text(ref reader, name)
            : throw new FormatException($"{name}: expected a string");

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string Text(ref Utf8JsonReader reader, string name)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            // An escape such as \uD800 names half a surrogate pair: valid JSON syntax, but no text.
            throw new FormatException($"{name}: the string escapes an unpaired surrogate", ex);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string Known(ref Utf8JsonReader reader, string[] names, byte[][] utf8Names, SharedStrings? strings, SharedField field)
    {
        if (!reader.ValueIsEscaped)
        {
            ReadOnlySpan<byte> value = reader.ValueSpan;
            for (int i = 0; i < utf8Names.Length; i++)
            {
                if (value.SequenceEqual(utf8Names[i]))
                {
                    return names[i];
                }
            }

            if (strings is not null && value.Length <= SharedStrings.MaxBytes)
            {
                return strings.Get(value, field);
            }
        }

        return Text(ref reader, "a property name");
    }

    /// <summary>A string or null, taken from <paramref name="strings"/> when it is short and unescaped (the line is valid UTF-8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? ReadSharedText(ref Utf8JsonReader reader, string name, SharedStrings? strings, SharedField field)
        => strings is not null && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan.Length <= SharedStrings.MaxBytes
            ? strings.Get(reader.ValueSpan, field)
            : ReadText(ref reader, name);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static DateTimeOffset ReadCreatedAt(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            // Unescaping never lengthens text, so the escaped length bounds the copy.
            Span<byte> unescaped = stackalloc byte[256];
            ReadOnlySpan<byte> text = !reader.ValueIsEscaped ? reader.ValueSpan
                : reader.ValueSpan.Length <= unescaped.Length ? unescaped[..Unescape(ref reader, unescaped, "created_at")]
                : default;

            if (Iso8601.TryParse(text, out DateTimeOffset value))
            {
                return value;
            }
        }

        throw new FormatException("created_at: expected an ISO 8601 string");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ReadOnlyMemory<byte> ReadDetails(
        ref Utf8JsonReader reader, ReadOnlySpan<byte> json, out long? amount, out long? balance)
    {
        amount = null;
        balance = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return default;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("details: expected an object or null");
        }

        int start = (int)reader.TokenStartIndex;
        long? points = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isBalance = reader.ValueTextEquals("balance"u8);
            reader.Read();
            if (isBalance)
            {
                ReadBalance(ref reader, ref amount, ref points, ref balance);
            }
            else
            {
                reader.Skip();
            }
        }

        amount ??= points;
        return CompactJson.ToArray(json[start..(int)reader.BytesConsumed]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadBalance(ref Utf8JsonReader reader, ref long? amount, ref long? points, ref long? balance)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("details.balance: expected an object or null");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("amount"u8))
            {
                reader.Read();
                amount = ReadInteger(ref reader, "details.balance.amount");
            }
            else if (reader.ValueTextEquals("points"u8))
            {
                reader.Read();
                points = ReadInteger(ref reader, "details.balance.points");
            }
            else if (reader.ValueTextEquals("balance"u8))
            {
                reader.Read();
                balance = ReadInteger(ref reader, "details.balance.balance");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long? ReadInteger(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value))
        {
            return value;
        }

        throw new FormatException($"{name}: expected an integer");
    }
}

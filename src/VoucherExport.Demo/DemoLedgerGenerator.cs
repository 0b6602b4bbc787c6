using System.Buffers;
using System.Text.Json;
using VoucherExport.Transactions;

namespace VoucherExport.Demo;

/// <summary>
/// Makes a <see cref="DemoLedger"/>'s transactions one at a time. It keeps running balances per voucher, so every
/// row's <c>details.balance</c> follows from the rows before it, and ties in <c>created_at</c> get ascending ids.
/// </summary>
internal sealed class DemoLedgerGenerator
{
    private const int IdLength = 24;

    // Roughly one row in 25 shares the previous row's millisecond, so sorts must use the id tie-break.
    private const int TieOneIn = 25;
    private const int MaxGapMilliseconds = 20_000;

    private static readonly long s_epochTicks = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    // Text that breaks naive CSV writers and spreadsheet imports.
    private static readonly string[] s_reasons =
    [
        "Customer complaint, ticket #4411",
        "He said \"refund it\"; we did",
        "=HYPERLINK(\"http://example.com\",\"click\")",
        "+1 goodwill credit",
        "-50 correction; see note",
        "@ops: manual adjustment",
        "tab\tseparated\treason",
        "first line\nsecond line",
        "carriage\rreturn",
        "windows\r\nline break",
        "Café crème, déjà vu",
        "中文原因：补偿",
        "🎁 birthday bonus 🎉",
        "",
        "semicolon; comma, pipe | quote \"",
        "  padded with spaces  ",
        "\tleading tab",
        "=1+2",
    ];

    private static readonly string[] s_integrations = ["Shopify", "Salesforce Commerce Cloud", "commercetools"];

    private static readonly string[] s_rewardNames = ["Free coffee", "$5 off", "Free shipping", "Tote bag", "Gift card $10"];
    private static readonly string[] s_tierNames = ["Bronze", "Silver", "Gold"];
    private static readonly string[] s_segmentNames = ["VIP customers", "Newsletter subscribers", "Lapsed buyers"];

    private readonly VoucherInfo[] _vouchers;
    private readonly int[] _loyaltyCards;
    private readonly DemoRandom _random;
    private readonly long[] _balance;
    private readonly long[] _total;
    private readonly string?[] _lastRedemptionId;
    private readonly string?[] _lastRedemptionOrder;
    private readonly long[] _lastRedemptionAmount;
    private readonly string[] _earningRules;
    private readonly string[] _rewards;
    private readonly string[] _tiers;
    private readonly string[] _segments;
    private readonly ArrayBufferWriter<byte> _details = new(1024);
    private readonly Utf8JsonWriter _writer;
    private readonly char[] _lastId = new char[IdLength];
    private long _milliseconds;
    private bool _started;
    private VoucherTransaction? _pendingTransferIn;

    /// <summary>A generator over <paramref name="vouchers"/> drawing from <paramref name="random"/>.</summary>
    public DemoLedgerGenerator(VoucherInfo[] vouchers, DemoRandom random)
    {
        _vouchers = vouchers;
        _random = random;
        _loyaltyCards = [.. Enumerable.Range(0, vouchers.Length).Where(i => vouchers[i].Type == DemoLedger.LoyaltyCard)];
        _balance = new long[vouchers.Length];
        _total = new long[vouchers.Length];
        _lastRedemptionId = new string?[vouchers.Length];
        _lastRedemptionOrder = new string?[vouchers.Length];
        _lastRedemptionAmount = new long[vouchers.Length];
        for (int v = 0; v < vouchers.Length; v++)
        {
            // Gift cards are issued with a value in whole currency units; loyalty cards start with a welcome bonus.
            _balance[v] = vouchers[v].Type == DemoLedger.GiftVoucher ? 100 * random.Between(50, 1000) : random.Between(0, 200);
            _total[v] = _balance[v];
        }

        _earningRules = Catalog("ern_", 4);
        _rewards = Catalog("rew_", s_rewardNames.Length);
        _tiers = Catalog("ltr_", s_tierNames.Length);
        _segments = Catalog("seg_", s_segmentNames.Length);

        // Details hold only ASCII ids and numbers, written in a fixed shape: validation would only cost time.
        _writer = new Utf8JsonWriter(_details, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>The next transaction.</summary>
    public VoucherTransaction Next()
    {
        if (_pendingTransferIn is { } transferIn)
        {
            _pendingTransferIn = null;
            return transferIn;
        }

        bool tie = _started && _random.Chance(1, TieOneIn);
        if (!tie)
        {
            _milliseconds += _started ? _random.Between(1, MaxGapMilliseconds) : 0;
        }

        _started = true;
        int v = _random.Next(_vouchers.Length);
        return _vouchers[v].Type == DemoLedger.GiftVoucher ? NextGift(v, tie) : NextLoyalty(v, tie);
    }

    private VoucherTransaction NextGift(int v, bool tie)
    {
        int pick = _random.Next(100);
        string type = pick switch
        {
            < 40 => "CREDITS_REDEMPTION",
            < 60 => "CREDITS_REFUND",
            < 80 => "CREDITS_ADDITION",
            _ => "CREDITS_REMOVAL",
        };
        if ((type is "CREDITS_REDEMPTION" or "CREDITS_REMOVAL" && _balance[v] == 0)
            || (type is "CREDITS_REFUND" && _lastRedemptionId[v] is null))
        {
            type = "CREDITS_ADDITION";
        }

        long amount = type switch
        {
            "CREDITS_REDEMPTION" => -Math.Min(_balance[v], 100 * _random.Between(1, 150)),
            "CREDITS_REFUND" => _lastRedemptionAmount[v],
            "CREDITS_ADDITION" => 100 * _random.Between(1, 500),
            _ => -Math.Min(_balance[v], 100 * _random.Between(1, 100)),
        };

        string id = NewId(tie);
        string? related = null;
        string? order = null;
        _balance[v] += amount;
        if (type is "CREDITS_ADDITION" or "CREDITS_REMOVAL")
        {
            _total[v] += amount;
        }

        BeginDetails(v, gift: true, amount);
        switch (type)
        {
            case "CREDITS_REDEMPTION":
                order = WriteOrder(null);
                WriteIdObject("redemption"u8, "r_"u8);
                _lastRedemptionId[v] = id;
                _lastRedemptionOrder[v] = order;
                _lastRedemptionAmount[v] = -amount;
                break;
            case "CREDITS_REFUND":
                related = WriteRefundOfLastRedemption(v);
                break;
        }

        return Create(v, type, id, amount, related, EndDetails());
    }

    private VoucherTransaction NextLoyalty(int v, bool tie)
    {
        int pick = _random.Next(100);
        string type = pick switch
        {
            < 30 => "POINTS_ACCRUAL",
            < 44 => "POINTS_REDEMPTION",
            < 50 => "POINTS_REFUND",
            < 60 => "POINTS_ADDITION",
            < 68 => "POINTS_REMOVAL",
            < 76 => "POINTS_EXPIRATION",
            < 86 => "PENDING_POINTS_ACTIVATION",
            _ => "POINTS_TRANSFER_OUT",
        };
        if ((type is "POINTS_REDEMPTION" or "POINTS_REMOVAL" or "POINTS_EXPIRATION" or "POINTS_TRANSFER_OUT" && _balance[v] == 0)
            || (type is "POINTS_REFUND" && _lastRedemptionId[v] is null))
        {
            type = "POINTS_ACCRUAL";
        }

        long amount = type switch
        {
            "POINTS_ACCRUAL" or "PENDING_POINTS_ACTIVATION" => _random.Between(10, 500),
            "POINTS_REDEMPTION" => -Math.Min(_balance[v], _random.Between(50, 1000)),
            "POINTS_REFUND" => _lastRedemptionAmount[v],
            "POINTS_ADDITION" => _random.Between(50, 1000),
            "POINTS_REMOVAL" => -Math.Min(_balance[v], _random.Between(10, 300)),
            _ => -Math.Min(_balance[v], _random.Between(10, 500)),
        };

        string id = NewId(tie);
        string? related = null;
        _balance[v] += amount;
        if (amount > 0 && type != "POINTS_REFUND")
        {
            _total[v] += amount;
        }

        int destination = -1;
        BeginDetails(v, gift: false, amount);
        switch (type)
        {
            case "POINTS_ACCRUAL":
            case "PENDING_POINTS_ACTIVATION":
                WriteEarning(type == "PENDING_POINTS_ACTIVATION" ? amount : 0);
                break;
            case "POINTS_REDEMPTION":
                string order = WriteOrder(null);
                WriteIdObject("redemption"u8, "r_"u8);
                WriteNamed("reward"u8, _rewards, s_rewardNames, _random.Next(_rewards.Length));
                _lastRedemptionId[v] = id;
                _lastRedemptionOrder[v] = order;
                _lastRedemptionAmount[v] = -amount;
                break;
            case "POINTS_REFUND":
                related = WriteRefundOfLastRedemption(v);
                break;
            case "POINTS_TRANSFER_OUT":
                do
                {
                    destination = _loyaltyCards[_random.Next(_loyaltyCards.Length)];
                }
                while (destination == v);

                WriteVoucher("destination_voucher"u8, _vouchers[destination]);
                break;
        }

        VoucherTransaction transaction = Create(v, type, id, amount, related, EndDetails());
        if (destination >= 0)
        {
            _pendingTransferIn = TransferIn(destination, v, -amount, id);
        }

        return transaction;
    }

    /// <summary>The receiving side of a transfer: same millisecond, next id, linked to the transfer out.</summary>
    private VoucherTransaction TransferIn(int v, int from, long points, string outId)
    {
        string id = NewId(tie: true);
        _balance[v] += points;
        _total[v] += points;
        BeginDetails(v, gift: false, points);
        WriteVoucher("source_voucher"u8, _vouchers[from]);
        return Create(v, "POINTS_TRANSFER_IN", id, points, outId, EndDetails());
    }

    private VoucherTransaction Create(int v, string type, string id, long amount, string? related, byte[] details)
    {
        VoucherInfo voucher = _vouchers[v];
        string? reason = _random.Chance(2, 3) ? null : s_reasons[_random.Next(s_reasons.Length)];
        int channel = _random.Next(10);
        string? source = channel switch
        {
            < 4 => null,
            < 7 => "API",
            7 => "voucherify-web-ui",
            8 => "Automation",
            _ => s_integrations[_random.Next(s_integrations.Length)],
        };
        string? sourceId = _random.Chance(1, 2) ? null : _random.Id("op_", 16);
        return new VoucherTransaction
        {
            Id = id,
            SourceId = sourceId,
            VoucherId = voucher.Id,
            CampaignId = voucher.CampaignId,
            Source = source,
            Reason = reason,
            Type = type,
            Details = details,
            RelatedTransactionId = related,
            CreatedAt = new DateTimeOffset(s_epochTicks + _milliseconds * TimeSpan.TicksPerMillisecond, TimeSpan.Zero),
            Amount = amount,
            Balance = _balance[v],
        };
    }

    /// <summary>
    /// A random transaction id; in a tie it is made strictly greater than the previous one, so the ledger's
    /// (created_at, id) order holds without sorting.
    /// </summary>
    private string NewId(bool tie)
    {
        const string alphabet = DemoRandom.Alphanumeric;
        Span<char> id = _lastId;
        if (!tie)
        {
            _random.Fill(id, alphabet);
        }
        else
        {
            // Raise one character (not in the first 8, so ids still look random), then re-randomise the rest.
            // Walking left past a run of 'z' reaches index 0 only if nine or more leading characters are 'z' (62^-9).
            int p = 8 + _random.Next(IdLength - 8);
            while (id[p] == alphabet[^1])
            {
                p--;
            }

            int current = alphabet.IndexOf(id[p], StringComparison.Ordinal);
            id[p] = alphabet[current + 1 + _random.Next(alphabet.Length - current - 1)];
            _random.Fill(id[(p + 1)..], alphabet);
        }

        return string.Create(4 + IdLength, _lastId, static (span, last) =>
        {
            "vtx_".CopyTo(span);
            last.CopyTo(span[4..]);
        });
    }

    private void BeginDetails(int v, bool gift, long amount)
    {
        _details.ResetWrittenCount();
        _writer.Reset(_details);
        _writer.WriteStartObject();
        _writer.WriteStartObject("balance"u8);
        _writer.WriteString("type"u8, gift ? "gift_voucher"u8 : "loyalty_card"u8);
        _writer.WriteNumber("total"u8, _total[v]);
        if (gift)
        {
            _writer.WriteNumber("amount"u8, amount);
            _writer.WriteString("object"u8, "balance"u8);
        }
        else
        {
            _writer.WriteString("object"u8, "balance"u8);
            _writer.WriteNumber("points"u8, amount);
        }

        _writer.WriteNumber("balance"u8, _balance[v]);
        _writer.WriteStartObject("related_object"u8);
        _writer.WriteString("id"u8, _vouchers[v].Id);
        _writer.WriteString("type"u8, "voucher"u8);
        _writer.WriteEndObject();
        _writer.WriteEndObject();
    }

    private byte[] EndDetails()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        return _details.WrittenSpan.ToArray();
    }

    // A refund rolls back the card's last redemption (same order), then forgets it so it is refunded once.
    private string? WriteRefundOfLastRedemption(int v)
    {
        string? related = _lastRedemptionId[v];
        WriteOrder(_lastRedemptionOrder[v]);
        WriteIdObject("redemption"u8, "r_"u8);
        WriteIdObject("rollback"u8, "rr_"u8);
        _lastRedemptionId[v] = null;
        _lastRedemptionOrder[v] = null;
        return related;
    }

    /// <summary>Writes <c>"order"</c>, reusing <paramref name="orderId"/> when refunding; returns the order id.</summary>
    private string WriteOrder(string? orderId)
    {
        orderId ??= _random.Id("ord_", IdLength);
        _writer.WriteStartObject("order"u8);
        _writer.WriteString("id"u8, orderId);
        if (_random.Chance(1, 3))
        {
            Span<byte> sourceId = stackalloc byte[10];
            "ORD-"u8.CopyTo(sourceId);
            _random.Fill(sourceId[4..], "0123456789");
            _writer.WriteString("source_id"u8, sourceId);
        }

        _writer.WriteEndObject();
        return orderId;
    }

    private void WriteIdObject(ReadOnlySpan<byte> name, ReadOnlySpan<byte> prefix)
    {
        Span<byte> id = stackalloc byte[prefix.Length + IdLength];
        prefix.CopyTo(id);
        _random.Fill(id[prefix.Length..], DemoRandom.Alphanumeric);
        _writer.WriteStartObject(name);
        _writer.WriteString("id"u8, id);
        _writer.WriteEndObject();
    }

    private void WriteEarning(long pendingPoints)
    {
        if (pendingPoints == 0 && _random.Chance(1, 3))
        {
            Span<byte> eventId = stackalloc byte[6 + IdLength];
            "evcus_"u8.CopyTo(eventId);
            _random.Fill(eventId[6..], DemoRandom.Alphanumeric);
            _writer.WriteStartObject("event"u8);
            _writer.WriteString("id"u8, eventId);
            _writer.WriteString("type"u8, "customer.order.paid"u8);
            _writer.WriteEndObject();
        }

        _writer.WriteStartObject("earning_rule"u8);
        _writer.WriteString("id"u8, _earningRules[_random.Next(_earningRules.Length)]);
        _writer.WriteEndObject();

        if (pendingPoints > 0)
        {
            Span<byte> pendingId = stackalloc byte[5 + IdLength];
            "lopp_"u8.CopyTo(pendingId);
            _random.Fill(pendingId[5..], DemoRandom.Alphanumeric);
            _writer.WriteStartObject("pending_points"u8);
            _writer.WriteString("id"u8, pendingId);
            _writer.WriteNumber("points"u8, pendingPoints);
            _writer.WriteEndObject();
        }

        switch (_random.Next(6))
        {
            case 0:
                WriteNamed("segment"u8, _segments, s_segmentNames, _random.Next(_segments.Length));
                break;
            case 1:
                int tier = _random.Next(_tiers.Length);
                WriteNamed("loyalty_tier"u8, _tiers, s_tierNames, tier);
                WriteNamed("holder_loyalty_tier"u8, _tiers, s_tierNames, tier);
                break;
        }
    }

    private void WriteNamed(ReadOnlySpan<byte> name, string[] ids, string[] names, int index)
    {
        _writer.WriteStartObject(name);
        _writer.WriteString("id"u8, ids[index]);
        _writer.WriteString("name"u8, names[index]);
        _writer.WriteEndObject();
    }

    private void WriteVoucher(ReadOnlySpan<byte> name, VoucherInfo voucher)
    {
        _writer.WriteStartObject(name);
        _writer.WriteString("id"u8, voucher.Id);
        _writer.WriteString("code"u8, voucher.Code);
        _writer.WriteEndObject();
    }

    private string[] Catalog(string prefix, int count)
    {
        string[] ids = new string[count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = _random.Id(prefix, IdLength);
        }

        return ids;
    }
}

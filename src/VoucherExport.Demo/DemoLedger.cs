using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using VoucherExport.Transactions;

namespace VoucherExport.Demo;

/// <summary>
/// A deterministic demo ledger: gift and loyalty cards with codes, every transaction type with realistic
/// <c>details</c>, and nasty text in <c>reason</c>. The same rows and seed always give the same data.
/// Transactions come oldest first (<c>created_at</c>, then <c>id</c>).
/// </summary>
public sealed class DemoLedger
{
    /// <summary>The type of a gift card voucher.</summary>
    internal const string GiftVoucher = VoucherInfo.GiftVoucher;

    /// <summary>The type of a loyalty card voucher.</summary>
    internal const string LoyaltyCard = VoucherInfo.LoyaltyCard;

    // Independent random streams, so adding a voucher does not shift every transaction.
    private const ulong VoucherStream = 1;
    private const ulong TransactionStream = 2;

    private readonly int _seed;
    private readonly VoucherInfo[] _vouchers;

    /// <summary>A ledger of <paramref name="rows"/> transactions generated from <paramref name="seed"/>.</summary>
    public DemoLedger(long rows, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        Rows = rows;
        _seed = seed;
        _vouchers = CreateVouchers(checked((int)(rows / 40 + 4)), new DemoRandom(seed, VoucherStream));
        Vouchers = Array.AsReadOnly(_vouchers);
    }

    /// <summary>The number of transactions.</summary>
    public long Rows { get; }

    /// <summary>The vouchers the transactions belong to.</summary>
    public IReadOnlyList<VoucherInfo> Vouchers { get; }

    /// <summary>Generates the transactions, oldest first, without holding them all.</summary>
    public IEnumerable<VoucherTransaction> Transactions()
    {
        var generator = CreateGenerator();
        for (long i = 0; i < Rows; i++)
        {
            yield return generator.Next();
        }
    }

    /// <summary>A source over the ledger, generated on the fly; it declares the ascending order.</summary>
    public ITransactionSource AsSource(int batchSize = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return new DemoLedgerSource(this, batchSize);
    }

    /// <summary>Writes every transaction as JSON Lines (the ledger interchange of SPEC §3), LF after each.</summary>
    public void WriteJsonLines(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        const int flushBytes = 64 * 1024;
        var buffer = new ArrayBufferWriter<byte>(flushBytes * 2);
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            // Reasons hold non-ASCII text on purpose; keep it readable in the file.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        foreach (VoucherTransaction transaction in Transactions())
        {
            TransactionJson.Write(writer, transaction);
            writer.Flush();
            writer.Reset();
            buffer.Write("\n"u8);
            if (buffer.WrittenCount >= flushBytes)
            {
                output.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }

        output.Write(buffer.WrittenSpan);
        output.Flush();
    }

    /// <summary>A fresh generator positioned at the first transaction.</summary>
    internal DemoLedgerGenerator CreateGenerator() => new(_vouchers, new DemoRandom(_seed, TransactionStream));

    private static VoucherInfo[] CreateVouchers(int count, DemoRandom random)
    {
        int campaignCount = 3 + random.Next(4);
        int giftCampaigns = 1 + random.Next(campaignCount - 1);
        string[] campaigns = new string[campaignCount];
        for (int i = 0; i < campaigns.Length; i++)
        {
            campaigns[i] = random.Id("camp_", 24);
        }

        // Names follow from the campaign's place, so they take nothing from the random stream (same ledger as before).
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < campaigns.Length; i++)
        {
            names[campaigns[i]] = i < giftCampaigns ? $"Gift Cards {i + 1}" : $"Loyalty Program {i - giftCampaigns + 1}";
        }

        var taken = new HashSet<string>(StringComparer.Ordinal);
        var vouchers = new VoucherInfo[count];
        Span<char> code = stackalloc char[14];
        for (int i = 0; i < vouchers.Length; i++)
        {
            // The first four alternate, so that every ledger has two cards of each kind (transfers need two).
            bool gift = i < 4 ? i % 2 == 0 : random.Chance(1, 2);
            string campaign = gift
                ? campaigns[random.Next(giftCampaigns)]
                : campaigns[giftCampaigns + random.Next(campaignCount - giftCampaigns)];
            string id, text;
            do
            {
                id = random.Id("v_", 24);
            }
            while (!taken.Add(id));

            do
            {
                if (gift)
                {
                    "GIFT-".CopyTo(code);
                    random.Fill(code.Slice(5, 4), DemoRandom.UpperAlphanumeric);
                    code[9] = '-';
                    random.Fill(code.Slice(10, 4), DemoRandom.UpperAlphanumeric);
                    text = new string(code);
                }
                else
                {
                    "LC-".CopyTo(code);
                    random.Fill(code.Slice(3, 8), DemoRandom.UpperAlphanumeric);
                    text = new string(code[..11]);
                }
            }
            while (!taken.Add(text));

            vouchers[i] = new VoucherInfo(id, text, campaign, gift ? GiftVoucher : LoyaltyCard) { CampaignName = names[campaign] };
        }

        return vouchers;
    }
}

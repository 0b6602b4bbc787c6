using System.Text;
using VoucherExport.Demo;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Support;

/// <summary>Small hand-made ledgers for engine, registry and CLI tests.</summary>
internal static class Rows
{
    public static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static VoucherTransaction Make(int i, string? voucherId = "v_1", string? reason = null, long? amount = null, int secondsFromStart = -1) => new()
    {
        Id = $"vtx_{i:D8}",
        Type = i % 2 == 0 ? "CREDITS_REDEMPTION" : "CREDITS_ADDITION",
        VoucherId = voucherId,
        CampaignId = "camp_1",
        Source = "API",
        Reason = reason,
        CreatedAt = Start.AddSeconds(secondsFromStart >= 0 ? secondsFromStart : i),
        Amount = amount ?? (i % 2 == 0 ? -i : i),
        Balance = 1000 + i,
        Details = Encoding.UTF8.GetBytes($"{{\"balance\":{{\"amount\":{amount ?? (i % 2 == 0 ? -i : i)},\"balance\":{1000 + i}}}}}"),
    };

    public static VoucherTransaction[] Many(int count) => [.. Enumerable.Range(1, count).Select(i => Make(i))];

    /// <summary>The demo ledger's rows, materialized and shuffled deterministically (so a sort is needed).</summary>
    public static VoucherTransaction[] Demo(int count, int seed = 7)
    {
        var rows = new DemoLedger(count, seed).Transactions().ToArray();
        new Random(seed).Shuffle(rows);
        return rows;
    }
}

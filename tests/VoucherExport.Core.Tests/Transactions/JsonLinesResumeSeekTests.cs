using System.Text;
using VoucherExport.Demo;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Transactions;

/// <summary>
/// A resumed read of a JSON Lines ledger in its declared order starts at the byte offset its last committed chunk recorded,
/// after checking that the line ending there is the committed row; otherwise it reads from the first byte as before.
/// </summary>
public class JsonLinesResumeSeekTests
{
    // The ledger with CRLF and LF endings and blank lines, so offsets are not a multiple of anything.
    private static readonly Lazy<byte[]> s_ledger = new(() =>
    {
        string[] lines = Encoding.UTF8.GetString(DemoLedgerTests.JsonLines(new DemoLedger(400, 31)))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var text = new StringBuilder();
        for (int i = 0; i < lines.Length; i++)
        {
            text.Append(lines[i]).Append(i % 4 == 1 ? "\r\n" : "\n");
            if (i % 9 == 4)
            {
                text.Append("  \n");
            }
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    });

    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 250)]
    [InlineData(3, 250)]
    [InlineData(3, 398)]
    [InlineData(1, 399)]
    public async Task AResumedReadStartsAtTheRecordedOffsetAndYieldsExactlyTheRowsAfter(int threads, int committed)
    {
        byte[] ledger = s_ledger.Value;
        List<VoucherTransaction> all = await ReadAsync(ledger, threads, query => query);
        Assert.Equal(400, all.Count);
        for (int i = 0; i < all.Count; i++)
        {
            // Each row knows where its line ends: just past the LF, and its line is the row.
            long end = all[i].SourceEnd;
            Assert.Equal((byte)'\n', ledger[end - 1]);
            int start = Array.LastIndexOf(ledger, (byte)'\n', (int)end - 2) + 1;
            string line = Encoding.UTF8.GetString(ledger, start, (int)(end - start)).TrimEnd('\n', '\r');
            Assert.Equal(all[i].Id, TransactionJson.Parse(Encoding.UTF8.GetBytes(line)).Id);
        }

        VoucherTransaction last = all[committed];
        var stream = new ReadPositionStream(ledger);
        List<VoucherTransaction> after = await ReadAsync(() => stream, threads, query => query with
        {
            After = TransactionKey.Of(last),
            AfterOffset = last.SourceEnd,
        });

        TransactionAssert.Equal(all.Skip(committed + 1).ToList(), after);
        Assert.Equal(all.Skip(committed + 1).Select(r => r.SourceEnd), after.Select(r => r.SourceEnd));
        Assert.Contains(last.SourceEnd, stream.ReadsAt);
        // The committed part is not read again: only the rest, and the committed row's line to check it (64 KiB at most).
        Assert.InRange(stream.BytesRead, ledger.Length - last.SourceEnd, ledger.Length - last.SourceEnd + 64 * 1024);
    }

    [Theory]
    [InlineData("another row")]
    [InlineData("mid-line")]
    [InlineData("past the end")]
    [InlineData("not seekable")]
    [InlineData("other order")]
    [InlineData("skipping malformed rows")]
    public async Task WithoutAVerifiedOffsetTheReadStartsAtTheFirstByte(string why)
    {
        byte[] ledger = s_ledger.Value;
        List<VoucherTransaction> all = await ReadAsync(ledger, 1, query => query);
        VoucherTransaction last = all[300];
        long offset = why switch
        {
            "another row" => all[299].SourceEnd,
            "mid-line" => last.SourceEnd - 7,
            "past the end" => ledger.Length + 10L,
            _ => last.SourceEnd,
        };
        var options = new JsonLinesSourceOptions
        {
            DeclaredOrder = why == "other order" ? ExportOrder.CreatedAtDescending : ExportOrder.CreatedAtAscending,
            MalformedRows = why == "skipping malformed rows" ? MalformedRowPolicy.Skip : MalformedRowPolicy.Fail,
        };
        var stream = new ReadPositionStream(ledger);
        var source = new JsonLinesTransactionSource(
            _ => ValueTask.FromResult<Stream>(why == "not seekable" ? new TrackingStream(ledger) : stream), "ledger.jsonl", options);

        var rows = new List<VoucherTransaction>();
        TransactionQuery query = SourceReader.Query() with { After = TransactionKey.Of(last), AfterOffset = offset };
        await foreach (ReadOnlyMemory<VoucherTransaction> batch in source.ReadAsync(query, CancellationToken.None))
        {
            rows.AddRange(batch.ToArray());
        }

        // The source yields every row; the engine drops those up to the committed one.
        TransactionAssert.Equal(all, rows);
        if (why != "not seekable")
        {
            Assert.Contains(0L, stream.ReadsAt);
            Assert.True(stream.BytesRead >= ledger.Length, $"{stream.BytesRead} of {ledger.Length} bytes read");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task AnErrorAfterASeekNamesThePhysicalLine(int threads)
    {
        byte[] good = s_ledger.Value;
        int cut = IndexOfNthLine(good, 350);
        byte[] ledger = [.. good.AsSpan(0, cut), .. "{\"id\":\"vtx_broken\",\n"u8, .. good.AsSpan(cut)];
        var whole = await Assert.ThrowsAsync<LedgerFormatException>(() => ReadAsync(ledger, threads, query => query));

        List<VoucherTransaction> before = await ReadAsync(good.AsSpan(0, cut).ToArray(), threads, query => query);
        VoucherTransaction last = before[200];
        var resumed = await Assert.ThrowsAsync<LedgerFormatException>(() => ReadAsync(ledger, threads, query => query with
        {
            After = TransactionKey.Of(last),
            AfterOffset = last.SourceEnd,
        }));

        Assert.Equal(whole.Line, resumed.Line);
        Assert.Equal(whole.Message, resumed.Message);
    }

    private static int IndexOfNthLine(byte[] bytes, int line)
    {
        int at = 0;
        for (int i = 1; i < line; i++)
        {
            at = Array.IndexOf(bytes, (byte)'\n', at) + 1;
        }

        return at;
    }

    private static Task<List<VoucherTransaction>> ReadAsync(byte[] ledger, int threads, Func<TransactionQuery, TransactionQuery> query)
        => ReadAsync(() => new ReadPositionStream(ledger), threads, query);

    /// <summary>Reads the ledger <paramref name="open"/> gives (once for the rows; again only to number an error's line).</summary>
    private static async Task<List<VoucherTransaction>> ReadAsync(Func<Stream> open, int threads, Func<TransactionQuery, TransactionQuery> query)
    {
        var source = new JsonLinesTransactionSource(
            _ => ValueTask.FromResult(open()), "ledger.jsonl", new JsonLinesSourceOptions { DeclaredOrder = ExportOrder.CreatedAtAscending, BatchSize = 33 })
        {
            ReadBufferBytes = 4096,
            BlockBytes = 8192,
            BlockLines = 11,
        };
        var rows = new List<VoucherTransaction>();
        await foreach (ReadOnlyMemory<VoucherTransaction> batch in source.ReadAsync(
            query(SourceReader.Query() with { Parallelism = threads }), CancellationToken.None))
        {
            rows.AddRange(batch.ToArray());
        }

        return rows;
    }
}

using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using VoucherExport.Chunks;
using VoucherExport.Demo;
using VoucherExport.Ordering;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Tests.Support;
using VoucherExport.Tests.Transactions;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Resume;

/// <summary>
/// The resume contract at the engine's level, driven the way the registry drives it: each attempt goes on after the
/// chunks recorded so far; a fault may strike inside a chunk's commit, right before or right after it is recorded, or in
/// the manifest, any number of times.
/// </summary>
public class ResumeProperties
{
    private static readonly ResumeFaultKind[] s_kinds = Enum.GetValues<ResumeFaultKind>();

    private static Gen<ResumeFault[]> Faults { get; } =
        Gen.Choose(0, 6).SelectMany(n => Gen.CollectToArray(Enumerable.Range(0, n).Select(_ =>
            from kind in Gen.Elements(s_kinds)
            from chunk in Gen.Choose(1, 14)
            select new ResumeFault(kind, chunk))));

    /// <summary>
    /// Property: whatever faults strike, the export ends with exactly the chunks and manifest of an uninterrupted run, and
    /// a chunk once recorded is never stored again (its object keeps its first version).
    /// </summary>
    [Property(MaxTest = 120)]
    public Property AFaultAnywhereAnyNumberOfTimesEndsWithTheReferenceBytes() => Prop.ForAll(
        (from count in Gen.Frequency((1, Gen.Constant(0)), (8, Gen.Choose(1, 700)))
         from maxBytes in Gen.Choose(700, 9000)
         from maxRows in Gen.Elements<long?>(null, null, 9, 60)
         from gzip in Gen.Elements(false, true)
         from threads in Gen.Elements(1, 3)
         from declared in Gen.Elements(false, true)
         from file in Gen.Elements(false, declared)
         from up in Gen.Elements(false, true)
         from faults in Faults
         select (count, maxBytes, maxRows, gzip, threads, declared, file, up, faults)).ToArbitrary(),
        input =>
        {
            var (count, maxBytes, maxRows, gzip, threads, declared, file, up, faults) = input;
            ExportOrder order = up ? ExportOrder.CreatedAtAscending : ExportOrder.CreatedAtDescending;
            VoucherTransaction[] rows = Rows.Demo(count, seed: count + 11);
            if (declared)
            {
                Array.Sort(rows, TransactionOrder.For(order));
            }

            // A JSON Lines file in the export's order: a resumed attempt seeks to the offset its last chunk recorded.
            var reads = new List<ReadPositionStream>();
            ITransactionSource source = file
                ? JsonLinesFile(count, order, reads)
                : new InMemoryTransactionSource(rows, batchSize: 97, declaredOrder: declared ? order : null);
            var limits = new ChunkLimits
            {
                MaxChunkBytes = maxBytes,
                MaxChunkRows = maxRows,
                Compression = gzip ? ChunkCompression.Gzip : ChunkCompression.None,
            };
            ExportRequest request = ExportRequest.For(ExportParameters.Default with { Order = order }) with
            {
                Chunks = limits,
                Parallelism = threads,
            };

            var reference = new VersionedChunkSink([]);
            ExportEngine.RunAsync(request, source, new SingleSinkFactory(reference)).GetAwaiter().GetResult();

            var sink = new VersionedChunkSink(faults);
            var recorded = new List<ChunkInfo>();
            var versionWhenRecorded = new Dictionary<string, int>(StringComparer.Ordinal);
            int attempts = 0;
            while (true)
            {
                attempts++;
                Assert.True(attempts <= faults.Length + 1, $"more attempts than faults: {attempts} with {faults.Length}");
                ExportRequest attempt = request with
                {
                    Resume = recorded.Count == 0 ? null : new ExportResumePoint([.. recorded]),
                    ChunkCommitted = (chunk, _) =>
                    {
                        sink.Fire(ResumeFaultKind.BeforeRecord, chunk.Name);
                        recorded.Add(chunk);
                        versionWhenRecorded[chunk.Name] = sink.Objects[chunk.Name].Version;
                        sink.Fire(ResumeFaultKind.AfterRecord, chunk.Name);
                        return ValueTask.CompletedTask;
                    },
                };

                int opened = reads.Count;
                try
                {
                    ExportEngine.RunAsync(attempt, source, new SingleSinkFactory(sink)).GetAwaiter().GetResult();
                    break;
                }
                catch (InjectedFaultException)
                {
                }
                finally
                {
                    if (file && attempt.Resume is { After: not null } resumed)
                    {
                        // Every recorded chunk of a file read in its order knows where its rows end, and the attempt read from there.
                        Assert.NotNull(resumed.SourceOffset);
                        Assert.Contains(resumed.SourceOffset!.Value, reads[opened].ReadsAt);
                    }
                }
            }

            Assert.Equal(reference.Objects.Keys.Order(StringComparer.Ordinal), sink.Objects.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, stored) in reference.Objects)
            {
                Assert.True(stored.Bytes.AsSpan().SequenceEqual(sink.Objects[name].Bytes), $"{name} differs from the uninterrupted run");
            }

            foreach (var (name, version) in versionWhenRecorded)
            {
                Assert.Equal(version, sink.Objects[name].Version);
            }

            Assert.Equal(
                reference.Objects.Keys.Count(k => k != ChunkNames.Manifest),
                recorded.Count);
        });

    /// <summary>A resume point names its chunks in order and needs each one's last record to go on after it.</summary>
    [Fact]
    public void AResumePointRefusesChunksOutOfOrderOrWithoutTheirLastRecord()
    {
        var first = new ChunkInfo("part-00001.csv", 2, 100, "ab", Rows.Start, Rows.Start, false) { LastId = "vtx_2" };
        var second = new ChunkInfo("part-00002.csv", 2, 100, "cd", Rows.Start, Rows.Start, false);

        var gap = Assert.Throws<ArgumentException>(() => new ExportResumePoint([first, second with { Name = "part-00003.csv" }]));
        Assert.Contains("part-00003.csv", gap.Message, StringComparison.Ordinal);
        var keyless = Assert.Throws<ArgumentException>(() => new ExportResumePoint([first, second]));
        Assert.Contains("no last record key", keyless.Message, StringComparison.Ordinal);

        var point = new ExportResumePoint([first, second with { LastId = "vtx_4" }]);
        Assert.Equal(new TransactionKey(Rows.Start, "vtx_4"), point.After);
        Assert.Equal(4, point.Rows);
        Assert.Equal(200, point.Bytes);
    }

    /// <summary>
    /// A JSON Lines ledger of <paramref name="count"/> demo rows in <paramref name="order"/> (CRLF on some lines), read in
    /// small blocks; every stream it opens is added to <paramref name="reads"/>.
    /// </summary>
    private static JsonLinesTransactionSource JsonLinesFile(int count, ExportOrder order, List<ReadPositionStream> reads)
    {
        string[] lines = System.Text.Encoding.UTF8.GetString(DemoLedgerTests.JsonLines(new DemoLedger(count, count + 11)))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (order == ExportOrder.CreatedAtDescending)
        {
            Array.Reverse(lines);
        }

        byte[] ledger = System.Text.Encoding.UTF8.GetBytes(string.Concat(lines.Select((line, i) => line + (i % 3 == 0 ? "\r\n" : "\n"))));
        return new JsonLinesTransactionSource(
            _ =>
            {
                var stream = new ReadPositionStream(ledger);
                reads.Add(stream);
                return ValueTask.FromResult<Stream>(stream);
            },
            "ledger.jsonl",
            new JsonLinesSourceOptions { DeclaredOrder = order, BatchSize = 97 })
        {
            BlockBytes = 8192,
            BlockLines = 13,
        };
    }

    /// <summary>The factory of one sink, whatever the export id.</summary>
    private sealed class SingleSinkFactory(IChunkSink sink) : IChunkSinkFactory
    {
        public IChunkSink Create(string exportId) => sink;
    }
}

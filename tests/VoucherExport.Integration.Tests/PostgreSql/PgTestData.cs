using System.Buffers;
using System.Text.Json;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Registry;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>Ledgers, requests and exports shared by the PostgreSQL tests.</summary>
internal static class PgTestData
{
    public static readonly DateTimeOffset Now = new(2024, 3, 10, 14, 30, 15, 123, TimeSpan.Zero);

    /// <summary>A request with a fixed id and clock, so two runs of it give comparable bytes.</summary>
    public static ExportRequest Request(ExportParameters parameters, ChunkLimits? chunks = null, string id = "exp_AAAAAAAAAAAAAAAAAAAAAAAA") => new()
    {
        Export = new ExportObject { Id = id, CreatedAt = Now, Parameters = parameters },
        Chunks = chunks ?? new ChunkLimits { MaxChunkBytes = 64 * 1024 },
        Time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now),
    };

    /// <summary>Parameters from a JSON <c>parameters</c> object.</summary>
    public static ExportParameters Parameters(string json) =>
        ExportParametersParser.Parse(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>Every field, in SPEC order.</summary>
    public static ExportParameters AllFields(string order = "created_at", string? filters = null) => Parameters(
        $$"""{"order":"{{order}}","fields":["id","type","source_id","reason","balance","amount","created_at","voucher_id","campaign_id","details","related_transaction_id","source"]{{(filters is null ? "" : $",\"filters\":{filters}")}}}""");

    /// <summary>Runs an export into memory and returns its chunks' bytes in order.</summary>
    public static async Task<List<byte[]>> ExportAsync(ExportRequest request, ITransactionSource source)
    {
        var sinks = new InMemoryChunkSinkFactory();
        ExportResult result = await ExportEngine.RunAsync(request, source, sinks);
        InMemoryChunkSink sink = sinks.Find(request.Export.Id)!;
        var byName = sink.Committed.ToDictionary(p => p.Key, p => p.Value);
        return [.. result.Result.Chunks.Select(c => byName[c.Info.Name])];
    }

    /// <summary>Reads everything a source yields for a query (copies, since batches are reused).</summary>
    public static async Task<List<VoucherTransaction>> ReadAllAsync(ITransactionSource source, TransactionQuery query)
    {
        var rows = new List<VoucherTransaction>();
        await foreach (var batch in source.ReadAsync(query, CancellationToken.None))
        {
            rows.AddRange(batch.ToArray());
        }

        return rows;
    }

    /// <summary>Writes transactions as a JSON Lines ledger file.</summary>
    public static void WriteJsonLines(string path, IEnumerable<VoucherTransaction> rows)
    {
        using var file = File.Create(path);
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        foreach (var row in rows)
        {
            TransactionJson.Write(writer, row);
            writer.Flush();
            writer.Reset();
            buffer.Write("\n"u8);
            file.Write(buffer.WrittenSpan);
            buffer.ResetWrittenCount();
        }
    }
}

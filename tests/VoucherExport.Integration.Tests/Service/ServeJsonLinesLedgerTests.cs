using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VoucherExport.Testing;

namespace VoucherExport.Integration.Tests.Service;

/// <summary>
/// A real <c>voucher-export serve</c> on a PostgreSQL registry (a shared store: every export gets an as-of point, its
/// first start) and a Ceph bucket, reading a JSON Lines ledger that declares its order (<c>Ledger:Order</c>), on two
/// threads: the export takes the path where the writer formats the ledger's lines itself (its write span says so, over
/// OTLP), leaves out a row made after the export started, and its download is byte for byte what
/// <c>voucher-export export</c> writes on one thread (the rows path) from the ledger without that row.
/// </summary>
public class ServeJsonLinesLedgerTests
{
    private const string Parameters = """{"order":"created_at"}""";
    private const int Rows = 30_000;

    [ServiceFact]
    public async Task AServedExportOfADeclaredOrderLedgerFormatsItsLinesInTheWriterAndKeepsToItsAsOfPoint()
    {
        await using var cluster = await ServiceCluster.CreateAsync(rows: 10);
        string folder = Path.Combine(Path.GetTempPath(), "vx-serve-jsonl", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            // The ledger as generated, and the same with one row more at its end, made in 2099: after any export's start.
            string generated = Path.Combine(folder, "generated.jsonl");
            await ServiceCluster.CliAsync(["generate", "--rows", Rows.ToString(CultureInfo.InvariantCulture), "--seed", "11", "--out", generated]);
            string served = Path.Combine(folder, "served.jsonl");
            await File.WriteAllTextAsync(served, await File.ReadAllTextAsync(generated) + FutureLine(generated) + "\n");

            (JsonElement cliExport, string cliFolder) = await ServiceCluster.CliExportAsync(folder, generated,
                ["--source-order", "created_at", "--threads", "1", "--parameters", Parameters, "--max-chunk-bytes", (1L << 40).ToString(CultureInfo.InvariantCulture)]);
            byte[] expected = await File.ReadAllBytesAsync(Path.Combine(cliFolder, cliExport.GetProperty("id").GetString()!, "part-00001.csv"));
            Assert.Equal(Rows, cliExport.GetProperty("result").GetProperty("rows").GetInt64());

            // Without an as-of point (the command line's in-memory registry) the 2099 row is exported: the bound below is not vacuous.
            (JsonElement withFuture, _) = await ServiceCluster.CliExportAsync(folder, served, ["--source-order", "created_at", "--parameters", Parameters]);
            Assert.Equal(Rows + 1, withFuture.GetProperty("result").GetProperty("rows").GetInt64());

            await using OtlpReceiver receiver = await OtlpReceiver.StartAsync();
            await using ServerProcess server = await ServerProcess.StartAsync(ServiceCluster.CliDll(),
                ["--registry", cluster.RegistryUrl(), "--ledger", served, "--sink", $"s3://{cluster.Bucket.Name}/exports",
                 "--max-chunk-rows", "7000", "--threads", "2"],
                new Dictionary<string, string>
                {
                    ["Ledger__Order"] = "created_at",
                    ["S3__ServiceUrl"] = S3.S3TestSettings.Endpoint!,
                    ["S3__AccessKey"] = S3.S3TestSettings.AccessKey!,
                    ["S3__SecretKey"] = S3.S3TestSettings.SecretKey!,
                    ["Downloads__Secret"] = "a-secret-every-instance-shares-0123456789",
                    [$"Applications__{ServiceCluster.App}"] = ServiceCluster.Token,
                    ["OpenTelemetry__Endpoint"] = receiver.Address.AbsoluteUri,
                },
                TimeSpan.FromMinutes(2));

            JsonElement created = await ServiceCluster.CreateAsync(
                server, "/v1/exports", $$"""{"exported_object":"voucher_transactions","parameters":{{Parameters}}}""");
            string id = created.GetProperty("id").GetString()!;
            JsonElement done = await ServiceCluster.WaitFinalAsync(server, id);
            Assert.True(done.GetProperty("status").GetString() == "DONE", $"{done}\n{string.Join('\n', server.LastLines)}");
            JsonElement result = done.GetProperty("result");
            Assert.Equal(Rows, result.GetProperty("rows").GetInt64());
            Assert.Equal(5, result.GetProperty("chunks").GetArrayLength());
            Assert.Equal(expected, await ServiceCluster.DownloadAsync(result.GetProperty("url").GetString()!));

            // The write stage of this export, as the server's tracer shipped it: the lines path.
            OtlpReceiver.Span export = await OtlpReceiver.EventuallyAsync(() => receiver.Spans.SingleOrDefault(
                s => s.Name == "voucher_export.export" && Equals(s.Attributes.GetValueOrDefault("export.id"), id)));
            OtlpReceiver.Span write = await OtlpReceiver.EventuallyAsync(() => receiver.Spans.SingleOrDefault(
                s => s.ParentSpanId == export.SpanId && s.Name == "voucher_export.write"));
            Assert.Equal("declared", write.Attributes.GetValueOrDefault("export.source_order"));
            Assert.Equal(true, write.Attributes.GetValueOrDefault("export.lines_in_writer"));
            Assert.Equal(2L, write.Attributes.GetValueOrDefault("export.threads"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The last line of <paramref name="ledger"/> made in 2099, with an id of its own.</summary>
    private static string FutureLine(string ledger)
    {
        JsonObject row = JsonNode.Parse(File.ReadLines(ledger).Last())!.AsObject();
        row["id"] = "vtx_made_in_2099";
        row["created_at"] = "2099-01-01T00:00:00Z";
        return row.ToJsonString();
    }
}

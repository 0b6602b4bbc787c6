using System.Text;
using VoucherExport.Chunks;
using VoucherExport.Parameters;
using VoucherExport.Registry;

namespace VoucherExport.Tests.Registry;

public class ExportJsonReadTests
{
    private static readonly DateTimeOffset At = new(2023, 5, 16, 8, 30, 21, 496, TimeSpan.Zero);

    private static ExportParameters Parameters() => ExportParametersParser.Parse(Encoding.UTF8.GetBytes(
        """{"order":"created_at","fields":["id","details"],"filters":{"junction":"or","created_at":{"conditions":{"$less_than":[3]}},"voucher_id":{"conditions":{"$in":["a","b"]}}}}"""));

    public static TheoryData<string> Shapes => ["scheduled", "running", "done", "error", "website"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void WhatIsWrittenReadsBackToTheSameJson(string shape)
    {
        var export = new ExportObject { Id = ExportIds.NewId(), CreatedAt = At, Parameters = Parameters() };
        export = shape switch
        {
            "running" => export with { Status = ExportStatus.InProgress, Progress = new ExportProgress(10, 2000, 2) },
            "done" => export with
            {
                Status = ExportStatus.Done,
                Result = new ExportResultInfo("https://x/manifest.json",
                [
                    new ExportChunk(new ChunkInfo("part-00001.csv", 5, 900, new string('a', 64), At, At.AddSeconds(1), false), "https://x/1"),
                    new ExportChunk(new ChunkInfo("part-00002.csv", 0, 90, new string('b', 64), null, null, true), null),
                ], 5, 990),
            },
            "error" => export with { Status = ExportStatus.Error, Error = new VoucherifyError(422, "invalid_ledger", "Bad row", "line 5") { RequestId = "r1", ResourceType = "export" } },
            "website" => export with { Channel = "WEBSITE", UserId = "user_1" },
            _ => export,
        };

        byte[] written = ExportJson.ToUtf8(export);
        ExportObject read = ExportJson.Read(written);

        Assert.Equal(Encoding.UTF8.GetString(written), Encoding.UTF8.GetString(ExportJson.ToUtf8(read)));
        Assert.Equal((export.Id, export.Status, export.CreatedAt, export.Progress, export.Error), (read.Id, read.Status, read.CreatedAt, read.Progress, read.Error));
    }

    [Theory]
    [InlineData("""{"id":"exp_1"}""", "export.created_at: missing")]
    [InlineData("""{"id":"exp_1","created_at":"yesterday","status":"DONE","parameters":{}}""", "export.created_at")]
    [InlineData("""{"id":"exp_1","created_at":"2023-05-16T08:30:21.496Z","status":"LATER","parameters":{}}""", "export.status")]
    [InlineData("""{"id":"exp_1","created_at":"2023-05-16T08:30:21.496Z","status":"DONE","parameters":{"fields":[]}}""", "export.parameters.fields")]
    [InlineData("""{"id":"exp_1","created_at":"2023-05-16T08:30:21.496Z","status":"DONE","parameters":{},"result":{"chunks":[{"name":"p"}]}}""", "export.result.chunks[0].rows")]
    [InlineData("""not json""", "invalid JSON")]
    public void BadStoredJsonSaysWhere(string json, string where)
    {
        var error = Assert.Throws<FormatException>(() => ExportJson.Read(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(where, error.Message, StringComparison.Ordinal);
    }
}

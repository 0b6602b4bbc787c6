using System.Net;
using System.Text.Json;
using VoucherExport.Server.Tests.Support;

namespace VoucherExport.Server.Tests;

public class ListTests
{
    [Fact]
    public async Task TheListPagesAndOrdersAnApplicationsExports()
    {
        await using var server = await ServerHarness.StartAsync();
        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add(await server.CreateAsync("/v1/exports", """{"exported_object":"voucher_transactions"}"""));
            await server.WaitFinalAsync(ids[^1]);
            server.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var (response, page) = await server.GetAsync("/v1/exports?limit=2&page=2&order=created_at");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["object", "data_ref", "exports", "total"], page.EnumerateObject().Select(p => p.Name));
        Assert.Equal("list", page.GetProperty("object").GetString());
        Assert.Equal("exports", page.GetProperty("data_ref").GetString());
        Assert.Equal(5, page.GetProperty("total").GetInt32());
        Assert.Equal(ids[2..4], page.GetProperty("exports").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));

        // Default: newest first, 10 a page.
        var (_, all) = await server.GetAsync("/v1/exports");
        Assert.Equal(Enumerable.Reverse(ids), all.GetProperty("exports").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));

        var (_, beyond) = await server.GetAsync("/v1/exports?page=9");
        Assert.Equal(0, beyond.GetProperty("exports").GetArrayLength());
        Assert.Equal(5, beyond.GetProperty("total").GetInt32());

        var (_, byStatus) = await server.GetAsync("/v1/exports?order=-status&limit=1");
        Assert.Equal("DONE", byStatus.GetProperty("exports")[0].GetProperty("status").GetString());
    }
}

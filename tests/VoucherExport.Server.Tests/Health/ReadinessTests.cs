using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using VoucherExport.Chunks;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;
using VoucherExport.S3;
using VoucherExport.Server.Tests.Support;

namespace VoucherExport.Server.Tests.Health;

/// <summary>
/// <c>/health/ready</c> against real dependencies that the test stops and starts: its own PostgreSQL (the registry's store)
/// and its own Ceph S3 gateway (the chunk sink); never the shared servers.
/// </summary>
public class ReadinessTests
{
    [PrivateServersFact]
    public async Task ReadinessFailsWithTheReasonWhileADependencyIsDownAndRecovers()
    {
        Assert.True(PrivateServersFactAttribute.Missing() is null, PrivateServersFactAttribute.Missing());
        await using PrivatePostgres postgres = await PrivatePostgres.CreateAsync();
        await using PrivateCeph ceph = await PrivateCeph.StartAsync();
        await using NpgsqlDataSource dataSource = NpgsqlDataSource.Create(postgres.ConnectionString);
        await PostgresExportStore.EnsureCreatedAsync(dataSource);
        using var sinks = new S3ChunkSinkFactory(new S3ChunkSinkOptions
        {
            BucketName = "vx-health-" + Guid.NewGuid().ToString("N")[..12],
            ServiceUrl = ceph.Endpoint,
            Credentials = new BasicAWSCredentials(ceph.AccessKey, ceph.SecretKey),
            CreateBucket = true,
        });

        await using var server = await ServerHarness.StartAsync(
            new Dictionary<string, string?>
            {
                ["Registry:ConnectionString"] = postgres.ConnectionString,
                ["Downloads:Secret"] = "readiness-test-secret-0123456789abcdef",
                ["Health:Timeout"] = "00:00:08",
            },
            services: s =>
            {
                s.AddSingleton<IExportStore>(new PostgresExportStore(dataSource));
                s.AddSingleton<IChunkSinkFactory>(sinks);
            });

        JsonElement ready = await ReadyAsync(server, HttpStatusCode.OK);
        Assert.Equal(["chunk-store", "data-folder", "postgres-registry", "registry"], Checks(ready).Keys);
        Assert.All(Checks(ready).Values, c => Assert.Equal("Healthy", c.Status));
        Assert.StartsWith($"bucket {sinks.Options.BucketName} at http://127.0.0.1:{ceph.Port} is writable", Checks(ready)["chunk-store"].Description, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health/live")).StatusCode);

        // PostgreSQL down: the registry's store and the ping fail, each saying why; the process is still live.
        await postgres.StopAsync();
        JsonElement noDatabase = await ReadyAsync(server, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Unhealthy", noDatabase.GetProperty("status").GetString());
        Assert.Contains("is not reachable", Checks(noDatabase)["postgres-registry"].Description, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{postgres.Port}", Checks(noDatabase)["postgres-registry"].Description, StringComparison.Ordinal);
        Assert.StartsWith("the shared export store cannot be read", Checks(noDatabase)["registry"].Description, StringComparison.Ordinal);
        Assert.Equal("Healthy", Checks(noDatabase)["chunk-store"].Status);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health/live")).StatusCode);

        await postgres.StartAsync();
        await ReadyAsync(server, HttpStatusCode.OK);

        // The S3 gateway down: the bucket is not writable; back up, ready again.
        await ceph.StopGatewayAsync();
        JsonElement noBucket = await ReadyAsync(server, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Unhealthy", Checks(noBucket)["chunk-store"].Status);
        Assert.False(string.IsNullOrEmpty(Checks(noBucket)["chunk-store"].Description));
        Assert.Equal("Healthy", Checks(noBucket)["postgres-registry"].Status);

        await ceph.StartGatewayAsync();
        JsonElement back = await ReadyAsync(server, HttpStatusCode.OK);
        Assert.All(Checks(back).Values, c => Assert.Equal("Healthy", c.Status));

        // Nothing of the probes stays in the bucket.
        using var client = new Amazon.S3.AmazonS3Client(new BasicAWSCredentials(ceph.AccessKey, ceph.SecretKey),
            new Amazon.S3.AmazonS3Config { ServiceURL = ceph.Endpoint.AbsoluteUri, ForcePathStyle = true });
        var listed = await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = sinks.Options.BucketName });
        Assert.Empty(listed.S3Objects ?? []);
    }

    /// <summary>Polls <c>/health/ready</c> (bounded) until it answers <paramref name="expected"/>; returns its JSON.</summary>
    private static async Task<JsonElement> ReadyAsync(ServerHarness server, HttpStatusCode expected)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            using HttpResponseMessage response = await server.Client.GetAsync("/health/ready");
            string body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == expected)
            {
                return JsonDocument.Parse(body).RootElement.Clone();
            }

            Assert.True(DateTime.UtcNow < deadline, $"/health/ready did not answer {(int)expected} in time; last: {(int)response.StatusCode} {body}");
            await Task.Delay(200);
        }
    }

    private static SortedDictionary<string, (string Status, string Description)> Checks(JsonElement report) =>
        new(report.GetProperty("checks").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => (c.GetProperty("status").GetString()!, c.GetProperty("description").GetString() ?? "")), StringComparer.Ordinal);
}

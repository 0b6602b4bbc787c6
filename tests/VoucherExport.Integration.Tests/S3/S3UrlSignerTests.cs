using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using VoucherExport.S3;

namespace VoucherExport.Integration.Tests.S3;

/// <summary>The sink's own SigV4 presigner gives the same signature as the SDK for the same inputs. No server needed.</summary>
public sealed class S3UrlSignerTests
{
    private static Dictionary<string, string> Query(string url)
    {
        var uri = new Uri(url);
        return uri.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
    }

    public static TheoryData<string?, string, bool> Endpoints => new()
    {
        { "http://127.0.0.1:7480", "us-east-1", false },
        { "https://storage.example.com", "eu-central-1", true },
        { null, "eu-west-1", false },
        { null, "eu-west-1", true },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task TheSignatureIsTheSdks(string? endpoint, string region, bool sessionToken)
    {
        AWSCredentials credentials = sessionToken
            ? new SessionAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token/with+odd=chars")
            : new BasicAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        var options = new S3ChunkSinkOptions
        {
            BucketName = "vx-exports",
            ServiceUrl = endpoint is null ? null : new Uri(endpoint),
            Region = region,
            Credentials = credentials,
        };
        const string key = "exports/prod/exp_1/part-00001.csv";

        var config = new AmazonS3Config { AuthenticationRegion = region, ForcePathStyle = options.PathStyle };
        if (endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = endpoint;
        }

        using var client = new AmazonS3Client(credentials, config);
        string sdk = await client.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = options.BucketName,
            Key = key,
            Verb = HttpVerb.GET,
            Expires = DateTime.UtcNow.AddMinutes(15),
            Protocol = endpoint?.StartsWith("http:", StringComparison.Ordinal) == true ? Protocol.HTTP : Protocol.HTTPS,
        });

        // Sign with the SDK's own date and expiry: the URLs must then agree, signature included.
        var sdkQuery = Query(sdk);
        var signedAt = DateTimeOffset.ParseExact(sdkQuery["X-Amz-Date"], "yyyyMMdd'T'HHmmss'Z'", null, System.Globalization.DateTimeStyles.AssumeUniversal);
        string ours = new S3UrlSigner(options).PresignGet(key, signedAt, TimeSpan.FromSeconds(long.Parse(sdkQuery["X-Amz-Expires"])), credentials.GetCredentials());

        Assert.Equal(new Uri(sdk).GetLeftPart(UriPartial.Path), new Uri(ours).GetLeftPart(UriPartial.Path));
        Assert.Equal(sdkQuery.OrderBy(p => p.Key), Query(ours).OrderBy(p => p.Key));
    }

    [Fact]
    public void UrlsAreDatedByTheOptionsClock()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2024, 2, 29, 23, 59, 58, TimeSpan.Zero));
        var options = new S3ChunkSinkOptions
        {
            BucketName = "vx-exports",
            ServiceUrl = new Uri("http://127.0.0.1:7480"),
            Credentials = new BasicAWSCredentials("AKIDEXAMPLE", "secret"),
            PresignExpiry = TimeSpan.FromMinutes(5),
            Time = time,
        };
        var query = Query(new S3UrlSigner(options).PresignGet("exp_1/part-00001.csv"));
        Assert.Equal("20240229T235958Z", query["X-Amz-Date"]);
        Assert.Equal("300", query["X-Amz-Expires"]);
        Assert.Equal("AKIDEXAMPLE/20240229/us-east-1/s3/aws4_request", query["X-Amz-Credential"]);
    }
}

using Amazon.Runtime;
using VoucherExport.S3;

namespace VoucherExport.Integration.Tests.S3;

/// <summary>Options are checked when the factory is built, and every error names the option. No server needed.</summary>
public sealed class S3ChunkSinkOptionsTests
{
    private static readonly S3ChunkSinkOptions Valid = new()
    {
        BucketName = "exports",
        ServiceUrl = new Uri("http://127.0.0.1:1"),
        Credentials = new BasicAWSCredentials("key", "secret"),
    };

    public static TheoryData<S3ChunkSinkOptions, string> Invalid => new()
    {
        { Valid with { BucketName = "ab" }, nameof(S3ChunkSinkOptions.BucketName) },
        { Valid with { BucketName = "Exports" }, nameof(S3ChunkSinkOptions.BucketName) },
        { Valid with { BucketName = "-exports" }, nameof(S3ChunkSinkOptions.BucketName) },
        { Valid with { BucketName = "a..b" }, nameof(S3ChunkSinkOptions.BucketName) },
        { Valid with { BucketName = "exp_orts" }, nameof(S3ChunkSinkOptions.BucketName) },
        { Valid with { Prefix = "/exports" }, nameof(S3ChunkSinkOptions.Prefix) },
        { Valid with { Prefix = "exports/" }, nameof(S3ChunkSinkOptions.Prefix) },
        { Valid with { Prefix = "a//b" }, nameof(S3ChunkSinkOptions.Prefix) },
        { Valid with { Prefix = "a/../b" }, nameof(S3ChunkSinkOptions.Prefix) },
        { Valid with { Prefix = "a b" }, nameof(S3ChunkSinkOptions.Prefix) },
        { Valid with { Prefix = new string('a', 900) }, nameof(S3ChunkSinkOptions.Prefix) },
        { Valid with { ServiceUrl = new Uri("ftp://127.0.0.1") }, nameof(S3ChunkSinkOptions.ServiceUrl) },
        { Valid with { ServiceUrl = new Uri("http://127.0.0.1:7480/bucket") }, nameof(S3ChunkSinkOptions.ServiceUrl) },
        { Valid with { Region = "" }, nameof(S3ChunkSinkOptions.Region) },
        { Valid with { Region = "US-EAST-1" }, nameof(S3ChunkSinkOptions.Region) },
        { Valid with { PartSize = S3ChunkSinkOptions.MinPartSize - 1 }, nameof(S3ChunkSinkOptions.PartSize) },
        { Valid with { PartSize = S3ChunkSinkOptions.MaxPartSize + 1 }, nameof(S3ChunkSinkOptions.PartSize) },
        { Valid with { MaxPartsInFlight = 0 }, nameof(S3ChunkSinkOptions.MaxPartsInFlight) },
        { Valid with { MaxPartsInFlight = 65 }, nameof(S3ChunkSinkOptions.MaxPartsInFlight) },
        { Valid with { PresignExpiry = TimeSpan.Zero }, nameof(S3ChunkSinkOptions.PresignExpiry) },
        { Valid with { PresignExpiry = TimeSpan.FromDays(8) }, nameof(S3ChunkSinkOptions.PresignExpiry) },
        { Valid with { Credentials = null! }, nameof(S3ChunkSinkOptions.Credentials) },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void ABadOptionIsNamedWhenTheFactoryIsBuilt(S3ChunkSinkOptions options, string option)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new S3ChunkSinkFactory(options));
        Assert.Equal(option, e.ParamName);
    }

    [Fact]
    public void TheDefaultsAreValidAndNamed()
    {
        using var factory = new S3ChunkSinkFactory(Valid);
        Assert.Equal(16L * 1024 * 1024, factory.Options.PartSize);
        Assert.Equal(2, factory.Options.MaxPartsInFlight);
        Assert.Equal(TimeSpan.FromMinutes(15), factory.Options.PresignExpiry);
        Assert.Equal("us-east-1", factory.Options.Region);
        Assert.False(factory.Options.CreateBucket);
        Assert.True(factory.Options.PathStyle);
        Assert.False((Valid with { ServiceUrl = null }).PathStyle);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("exp.1")]
    public void BadExportIdsAreRejected(string exportId)
    {
        using var factory = new S3ChunkSinkFactory(Valid);
        Assert.Throws<ArgumentException>(() => factory.Create(exportId));
    }

    [Fact]
    public void AnEmptyPrefixPutsExportsAtTheBucketRoot()
    {
        using var factory = new S3ChunkSinkFactory(Valid);
        using var prefixed = new S3ChunkSinkFactory(Valid with { Prefix = "a/b.c/d" });
        Assert.Equal("exp_1/", factory.ExportPrefix("exp_1"));
        Assert.Equal("a/b.c/d/exp_1/", prefixed.ExportPrefix("exp_1"));
    }
}

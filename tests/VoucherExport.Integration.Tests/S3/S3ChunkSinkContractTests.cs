using System.Reflection;
using VoucherExport.Chunks;
using VoucherExport.Tests.Chunks;

namespace VoucherExport.Integration.Tests.S3;

/// <summary>
/// The sink contract every <see cref="IChunkSink"/> passes, run against the real S3 server. The contract's facts are
/// called one by one rather than inherited, so that each can skip without a server (xunit 2 has no runtime skip).
/// </summary>
public sealed class S3ChunkSinkContractTests(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    private readonly Contract _contract = new(() => bucket.Factory.Create("exp_" + Guid.NewGuid().ToString("N")));

    [Fact]
    public void EveryContractTestIsRunHere()
    {
        static bool IsTest(MethodInfo m) => m.GetCustomAttributes<FactAttribute>(inherit: true).Any();
        var contract = typeof(ChunkSinkContractTests).GetMethods().Where(IsTest).Select(m => m.Name).ToHashSet();
        var here = typeof(S3ChunkSinkContractTests).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(IsTest).Select(m => m.Name).ToHashSet();
        Assert.NotEmpty(contract);
        Assert.Empty(contract.Except(here));
    }

    [S3Fact]
    public Task AChunkIsInvisibleUntilCommitted() => _contract.AChunkIsInvisibleUntilCommitted();

    [S3Fact]
    public Task DisposingWithoutCommitDiscards() => _contract.DisposingWithoutCommitDiscards();

    [S3Fact]
    public Task ACommittedChunkIsNeverReplaced() => _contract.ACommittedChunkIsNeverReplaced();

    [S3Fact]
    public Task ACommittedChunkWrittenAgainWithTheSameBytesIsKeptAsItIs() => _contract.ACommittedChunkWrittenAgainWithTheSameBytesIsKeptAsItIs();

    [S3Fact]
    public Task ACommittedChunkTakesNoMoreWrites() => _contract.ACommittedChunkTakesNoMoreWrites();

    [S3Fact]
    public Task TheManifestIsVisibleAtOnceAndCanBeRewritten() => _contract.TheManifestIsVisibleAtOnceAndCanBeRewritten();

    [S3Fact]
    public Task DeleteAllRemovesEverythingAndCanRepeat() => _contract.DeleteAllRemovesEverythingAndCanRepeat();

    [S3Theory]
    [InlineData("../part-00001.csv")]
    [InlineData("part-1.csv")]
    [InlineData("part-0000a.csv")]
    [InlineData("part-00001.csv/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("")]
    [InlineData("manifest.json")]
    public Task BadChunkNamesAreRejected(string name) => _contract.BadChunkNamesAreRejected(name);

    [S3Theory]
    [InlineData("../manifest.json")]
    [InlineData("..")]
    [InlineData("part-00001.csv.tmp")]
    [InlineData(".part-00001.csv.0123456789ab.tmp")]
    public Task OnlyStoredNamesCanBeRead(string name) => _contract.OnlyStoredNamesCanBeRead(name);

    [S3Fact]
    public Task AWholeExportRoundTrips() => _contract.AWholeExportRoundTrips();

    /// <summary>Private, so xunit does not collect the contract's inherited facts a second time from it.</summary>
    private sealed class Contract(Func<IChunkSink> create) : ChunkSinkContractTests
    {
        protected override IChunkSink CreateSink() => create();
    }
}

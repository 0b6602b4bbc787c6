using Amazon.S3.Model;
using VoucherExport.Integration.Tests.S3;

namespace VoucherExport.Integration.Tests.Resume;

/// <summary>What is stored under an export's prefix, looked at behind the sink's back with the SDK client.</summary>
internal static class StoredObjects
{
    /// <summary>An object's ETag and <c>LastModified</c> as a <c>HEAD</c> gives them: a new PUT of it changes the second.</summary>
    public readonly record struct Version(string ETag, DateTime? LastModified)
    {
        public override string ToString() => $"{ETag} @ {LastModified:O}";
    }

    /// <summary>The <c>HEAD</c> of one key.</summary>
    public static async Task<Version> HeadAsync(S3TestBucket bucket, string key)
    {
        GetObjectMetadataResponse head = await bucket.Client.GetObjectMetadataAsync(bucket.Name, key);
        return new Version(head.ETag, head.LastModified);
    }

    /// <summary>The version of every object under <paramref name="prefix"/>, by key.</summary>
    public static async Task<Dictionary<string, Version>> VersionsAsync(S3TestBucket bucket, string prefix)
    {
        var versions = new Dictionary<string, Version>(StringComparer.Ordinal);
        foreach (string key in await bucket.KeysAsync(prefix))
        {
            versions[key] = await HeadAsync(bucket, key);
        }

        return versions;
    }

    /// <summary>The bytes of every object under <paramref name="prefix"/>, by key.</summary>
    public static async Task<Dictionary<string, byte[]>> ReadAllAsync(S3TestBucket bucket, string prefix)
    {
        var objects = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string key in await bucket.KeysAsync(prefix))
        {
            objects[key] = await bucket.GetAsync(key);
        }

        return objects;
    }
}

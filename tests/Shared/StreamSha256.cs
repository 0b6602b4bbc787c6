using System.Security.Cryptography;

namespace VoucherExport.Testing;

/// <summary>
/// The length and SHA-256 of a whole download read as it streams, without holding it: a gigabyte export is compared
/// by these two. Linked into the integration tests and the benchmarks (the kill -9 resume test, <c>--kill-resume</c>).
/// </summary>
internal static class StreamSha256
{
    public static async Task<(long Length, string Sha256)> OfAsync(Stream body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[1 << 20];
        long length = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            length += read;
        }

        return (length, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}

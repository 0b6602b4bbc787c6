using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;

namespace VoucherExport.S3;

/// <summary>
/// Presigns GET URLs with AWS Signature Version 4 in the query string. Done here rather than by the SDK so that the
/// signing time comes from <see cref="S3ChunkSinkOptions.Time"/>: the SDK dates every URL by the wall clock, which
/// leaves no way to test expiry without waiting.
/// </summary>
internal sealed class S3UrlSigner
{
    private const string Algorithm = "AWS4-HMAC-SHA256";

    private readonly S3ChunkSinkOptions _options;
    private readonly string _scheme;
    private readonly string _host;
    private readonly string _bucketPath;

    public S3UrlSigner(S3ChunkSinkOptions options)
    {
        _options = options;
        Uri endpoint = options.ServiceUrl ?? new Uri($"https://s3.{options.Region}.amazonaws.com");

        // A bucket name with dots cannot be a TLS-valid host label, so such buckets are always addressed in the path.
        bool pathStyle = options.PathStyle || options.BucketName.Contains('.', StringComparison.Ordinal);
        _scheme = endpoint.Scheme;
        _host = pathStyle ? endpoint.Authority : options.BucketName + "." + endpoint.Authority;
        _bucketPath = pathStyle ? "/" + options.BucketName : "";
    }

    /// <summary>A GET URL for <paramref name="key"/>, dated now by the options' clock, valid for their expiry.</summary>
    public string PresignGet(string key)
        => PresignGet(key, _options.Time.GetUtcNow(), _options.PresignExpiry, _options.Credentials.GetCredentials());

    /// <summary>A GET URL for <paramref name="key"/> signed at <paramref name="signedAt"/>, valid for <paramref name="expiry"/>.</summary>
    internal string PresignGet(string key, DateTimeOffset signedAt, TimeSpan expiry, ImmutableCredentials credentials)
    {
        DateTime utc = signedAt.UtcDateTime;
        string day = utc.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        string stamp = utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string scope = $"{day}/{_options.Region}/s3/aws4_request";
        string path = _bucketPath + "/" + Encode(key, keepSlash: true);
        long seconds = Math.Max(1, (long)expiry.TotalSeconds);

        var query = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["X-Amz-Algorithm"] = Algorithm,
            ["X-Amz-Credential"] = credentials.AccessKey + "/" + scope,
            ["X-Amz-Date"] = stamp,
            ["X-Amz-Expires"] = seconds.ToString(CultureInfo.InvariantCulture),
            ["X-Amz-SignedHeaders"] = "host",
        };
        if (credentials.UseToken)
        {
            query["X-Amz-Security-Token"] = credentials.Token;
        }

        string canonicalQuery = string.Join('&', query.Select(p => Encode(p.Key, keepSlash: false) + "=" + Encode(p.Value, keepSlash: false)));
        string canonicalRequest = $"GET\n{path}\n{canonicalQuery}\nhost:{_host}\n\nhost\nUNSIGNED-PAYLOAD";
        string stringToSign = $"{Algorithm}\n{stamp}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

        byte[] signingKey = Hmac(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretKey), day);
        signingKey = Hmac(signingKey, _options.Region);
        signingKey = Hmac(signingKey, "s3");
        signingKey = Hmac(signingKey, "aws4_request");
        string signature = Convert.ToHexStringLower(Hmac(signingKey, stringToSign));
        return $"{_scheme}://{_host}{path}?{canonicalQuery}&X-Amz-Signature={signature}";
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    /// <summary>SigV4's URI encoding: every byte but A–Z a–z 0–9 - _ . ~ (and '/' in paths) as %XX, uppercase hex.</summary>
    private static string Encode(string value, bool keepSlash)
    {
        var text = new StringBuilder(value.Length + 16);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' || (keepSlash && c == '/'))
            {
                text.Append(c);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }
}

using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace VoucherExport.Server.OAuth;

/// <summary>
/// Self-contained, signed OAuth access tokens, so that every instance of a service can check a token without shared memory:
/// <c>vxo_</c> + base64url(payload ‖ HMAC-SHA256(payload)). The payload holds a version, 16 random id bytes, the issue and
/// expiry times (Unix seconds), the application id and the scopes. The MAC key is derived with HKDF from the server's
/// <c>Downloads:Secret</c> for this purpose alone, so a download token can never pass for an OAuth token or back.
/// </summary>
internal sealed class OAuthTokenCodec
{
    /// <summary>What every token of this server starts with; a Bearer value without it is an API key.</summary>
    public const string Prefix = "vxo_";

    private const byte Version = 1;
    private const int IdBytes = 16;
    private const int MacBytes = 32;
    private const int FixedBytes = 1 + IdBytes + 8 + 8 + 2 + 2;

    // Longer than any token minted (a 255-byte app id and every scope stay far below); bounds the work a junk token costs.
    private const int MaxTokenLength = 4096;
    private static readonly byte[] s_purpose = "voucher-export/oauth/v1"u8.ToArray();
    private static readonly UTF8Encoding s_strictUtf8 = new(false, throwOnInvalidBytes: true);

    private readonly byte[] _key;

    /// <summary>A codec keyed from <paramref name="secret"/> (the server's <c>Downloads:Secret</c>), or a random key when null.</summary>
    public OAuthTokenCodec(string? secret)
    {
        byte[] master = secret is null ? RandomNumberGenerator.GetBytes(32) : Encoding.UTF8.GetBytes(secret);
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, salt: [], info: s_purpose);
    }

    /// <summary>The token text for <paramref name="token"/>.</summary>
    public string Encode(OAuthAccessToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        byte[] app = Encoding.UTF8.GetBytes(token.AppId);
        byte[] scope = Encoding.UTF8.GetBytes(token.Scope);
        if (token.TokenId.Length != IdBytes || app.Length > ushort.MaxValue || scope.Length > ushort.MaxValue)
        {
            throw new ArgumentException("the token id must be 16 bytes, the application id and scope shorter than 64 KiB", nameof(token));
        }

        byte[] bytes = new byte[FixedBytes + app.Length + scope.Length + MacBytes];
        Span<byte> span = bytes;
        span[0] = Version;
        token.TokenId.CopyTo(span[1..]);
        BinaryPrimitives.WriteInt64BigEndian(span[17..], token.IssuedAt.ToUnixTimeSeconds());
        BinaryPrimitives.WriteInt64BigEndian(span[25..], token.ExpiresAt.ToUnixTimeSeconds());
        BinaryPrimitives.WriteUInt16BigEndian(span[33..], (ushort)app.Length);
        app.CopyTo(span[35..]);
        int at = 35 + app.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)scope.Length);
        scope.CopyTo(span[(at + 2)..]);
        int payload = bytes.Length - MacBytes;
        Sign(span[..payload], span[payload..]);
        return Prefix + Base64Url.EncodeToString(bytes);
    }

    /// <summary>Whether <paramref name="text"/> is meant as one of this server's OAuth tokens (it has the prefix).</summary>
    public static bool LooksLikeToken(string? text) => text is not null && text.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>
    /// The token <paramref name="text"/> stands for, when its signature is this server's; null for anything malformed or
    /// forged (which are not told apart). Expiry and revocation are the caller's checks.
    /// </summary>
    public OAuthAccessToken? Decode(string? text)
    {
        if (!LooksLikeToken(text) || text!.Length > MaxTokenLength)
        {
            return null;
        }

        ReadOnlySpan<char> body = text.AsSpan(Prefix.Length);
        if (body.IsEmpty || !Base64Url.IsValid(body))
        {
            return null;
        }

        byte[] bytes = Base64Url.DecodeFromChars(body);
        if (bytes.Length < FixedBytes + MacBytes || bytes[0] != Version)
        {
            return null;
        }

        int payload = bytes.Length - MacBytes;
        Span<byte> expected = stackalloc byte[MacBytes];
        Sign(bytes.AsSpan(0, payload), expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(payload)))
        {
            return null;
        }

        // Signed by this server, so well formed; the bounds are checked all the same.
        ReadOnlySpan<byte> span = bytes.AsSpan(0, payload);
        int appLength = BinaryPrimitives.ReadUInt16BigEndian(span[33..]);
        if (35 + appLength + 2 > span.Length)
        {
            return null;
        }

        int at = 35 + appLength;
        int scopeLength = BinaryPrimitives.ReadUInt16BigEndian(span[at..]);
        if (at + 2 + scopeLength != span.Length)
        {
            return null;
        }

        try
        {
            string app = s_strictUtf8.GetString(span.Slice(35, appLength));
            string scope = s_strictUtf8.GetString(span.Slice(at + 2, scopeLength));
            return new OAuthAccessToken(
                app,
                scope.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(span[17..])),
                DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(span[25..])),
                span.Slice(1, IdBytes).ToArray());
        }
        catch (Exception e) when (e is DecoderFallbackException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private void Sign(ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(s_purpose);
        hmac.AppendData(payload);
        hmac.GetHashAndReset(mac);
    }
}

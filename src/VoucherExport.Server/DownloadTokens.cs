using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VoucherExport.Server;

/// <summary>
/// Signed download tokens: <c>v1.&lt;app id, base64url&gt;.&lt;expiry, unix ms&gt;.&lt;HMAC-SHA256, base64url&gt;</c>, the MAC taken
/// over the export id, the application id and the expiry. The app id travels in the token because the download side
/// has no credentials of its own and exports are looked up per application.
/// </summary>
internal sealed class DownloadTokens
{
    private const string Version = "v1";

    // Longer than any token we mint (a 255-byte app id gives ~400 characters); bounds the work a junk token costs.
    private const int MaxTokenLength = 512;
    private const int MacBytes = 32;
    private static readonly byte[] s_purpose = "voucher-export/download/v1"u8.ToArray();

    private readonly byte[] _key;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    public DownloadTokens(DownloadOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _key = options.Secret is { } secret ? Encoding.UTF8.GetBytes(secret) : RandomNumberGenerator.GetBytes(32);
        _lifetime = options.TokenLifetime;
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>A fresh token for <paramref name="exportId"/> of <paramref name="appId"/>, expiring one lifetime from now.</summary>
    public string Mint(string exportId, string appId)
    {
        long expires = (_time.GetUtcNow() + _lifetime).ToUnixTimeMilliseconds();
        byte[] mac = Sign(exportId, appId, expires);
        return string.Join('.',
            Version,
            Base64Url.EncodeToString(Encoding.UTF8.GetBytes(appId)),
            expires.ToString(CultureInfo.InvariantCulture),
            Base64Url.EncodeToString(mac));
    }

    /// <summary>
    /// Checks <paramref name="token"/> for <paramref name="exportId"/>. On success gives the application it was minted for;
    /// otherwise a problem fit for the 401's details (never saying which part of a forged token was wrong).
    /// </summary>
    public bool TryVerify(string? token, string exportId, out string appId, out string problem)
    {
        appId = "";
        problem = "";
        if (string.IsNullOrEmpty(token))
        {
            problem = "the download needs the token of a URL from GET /v1/exports/{id} (query parameter 'token')";
            return false;
        }

        string[] parts = token.Length <= MaxTokenLength ? token.Split('.') : [];
        if (parts.Length != 4
            || parts[0] != Version
            || !TryDecode(parts[1], out byte[] appBytes)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long expires)
            || !TryDecode(parts[3], out byte[] mac)
            || mac.Length != MacBytes)
        {
            problem = "the download token is malformed";
            return false;
        }

        string candidate;
        try
        {
            candidate = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(appBytes);
        }
        catch (DecoderFallbackException)
        {
            problem = "the download token is malformed";
            return false;
        }

        // The signature is checked before the expiry, so a forged token learns nothing from which answer it gets.
        if (!CryptographicOperations.FixedTimeEquals(mac, Sign(exportId, candidate, expires)))
        {
            problem = "the download token is not valid for this export";
            return false;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeMilliseconds(expires);
        if (_time.GetUtcNow() >= expiresAt)
        {
            problem = $"the download token expired at {Registry.ExportJson.FormatTimestamp(expiresAt)}; GET /v1/exports/{{id}} gives a fresh URL";
            return false;
        }

        appId = candidate;
        return true;
    }

    private byte[] Sign(string exportId, string appId, long expires)
    {
        // Length-prefixed fields: no choice of ids can make two different triples sign the same bytes.
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(s_purpose);
        AppendField(hmac, Encoding.UTF8.GetBytes(exportId));
        AppendField(hmac, Encoding.UTF8.GetBytes(appId));
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, expires);
        hmac.AppendData(number);
        return hmac.GetHashAndReset();
    }

    private static void AppendField(IncrementalHash hmac, byte[] field)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, field.Length);
        hmac.AppendData(length);
        hmac.AppendData(field);
    }

    private static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length == 0 || !Base64Url.IsValid(text))
        {
            return false;
        }

        bytes = Base64Url.DecodeFromChars(text);
        return true;
    }
}

using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VoucherExport.Server.Console;

/// <summary>
/// The console's sign-in cookie: <c>v1.&lt;all|app&gt;.&lt;app id, base64url&gt;.&lt;expiry, unix ms&gt;.&lt;HMAC-SHA256&gt;</c>.
/// The key comes from <c>Downloads:Secret</c> (so every instance behind a load balancer accepts it) and the console token
/// (so changing the token signs everybody out); without a configured secret it is random per process.
/// </summary>
internal sealed class ConsoleSessions
{
    public const string CookieName = "vx_console";

    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;

    public ConsoleSessions(string? secret, string? consoleToken, TimeSpan lifetime, TimeProvider time)
    {
        byte[] baseKey = secret is null ? RandomNumberGenerator.GetBytes(32) : Encoding.UTF8.GetBytes(secret);
        _key = HMACSHA256.HashData(baseKey, SHA256.HashData(Encoding.UTF8.GetBytes("voucher-export console session\n" + (consoleToken ?? ""))));
        _lifetime = lifetime;
        _time = time;
    }

    public TimeSpan Lifetime => _lifetime;

    public string Issue(ConsoleViewer viewer)
    {
        string kind = viewer.AppIds is null ? "all" : "app";
        string app = viewer.AppIds is null ? "" : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(viewer.AppIds.Single()));
        string expiry = (_time.GetUtcNow() + _lifetime).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return $"v1.{kind}.{app}.{expiry}.{Mac(kind, app, expiry)}";
    }

    /// <summary>The viewer a cookie value signs in, or null when it is malformed, forged or expired.</summary>
    public ConsoleViewer? Read(string? cookie)
    {
        if (string.IsNullOrEmpty(cookie) || cookie.Length > 1024)
        {
            return null;
        }

        string[] parts = cookie.Split('.');
        if (parts.Length != 5 || parts[0] != "v1" || parts[1] is not ("all" or "app"))
        {
            return null;
        }

        byte[] expected = Encoding.ASCII.GetBytes(Mac(parts[1], parts[2], parts[3]));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[4])))
        {
            return null;
        }

        if (!long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out long expiry)
            || expiry <= _time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            return null;
        }

        if (parts[1] == "all")
        {
            return ConsoleViewer.Everyone;
        }

        try
        {
            return ConsoleViewer.Of(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[2])));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private string Mac(string kind, string app, string expiry) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{kind}\n{app}\n{expiry}")));
}

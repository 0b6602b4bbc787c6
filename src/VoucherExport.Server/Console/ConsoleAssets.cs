using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace VoucherExport.Server.Console;

/// <summary>The console's static files, embedded in the assembly and served with a strict content security policy.</summary>
internal static class ConsoleAssets
{
    // Scripts and styles only from this server, no inline script, no framing; the page shows no third-party anything.
    private const string Policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly FrozenDictionary<string, (byte[] Body, string Type, string ETag)> s_files = Load();

    /// <summary>The file <paramref name="name"/> (as under <c>Console/Assets</c>) as the answer, or a 404.</summary>
    public static IResult Result(HttpContext context, string name)
    {
        if (!s_files.TryGetValue(name, out var file))
        {
            return Results.NotFound();
        }

        IHeaderDictionary headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";

        // Download links carry their token in the query string: never send them on as a referrer.
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        headers.ETag = file.ETag;
        return Results.Bytes(file.Body, file.Type);
    }

    private static FrozenDictionary<string, (byte[], string, string)> Load()
    {
        const string prefix = "VoucherExport.Server.Console.";
        var files = new Dictionary<string, (byte[], string, string)>(StringComparer.Ordinal);
        var assembly = typeof(ConsoleAssets).Assembly;
        foreach (string resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] body = copy.ToArray();
            string name = resource[prefix.Length..];
            string type = Path.GetExtension(name) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                _ => "application/octet-stream",
            };
            files[name] = (body, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(body))[..16]}\"");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

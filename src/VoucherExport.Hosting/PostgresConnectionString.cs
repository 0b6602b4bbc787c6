using System.Globalization;
using Npgsql;

namespace VoucherExport.Hosting;

/// <summary>
/// Reads a PostgreSQL address as users write it: an Npgsql connection string (<c>Host=…;Username=…</c>) or a URL
/// (<c>postgres://user:password@host:port/database?schema=…</c>), whose query holds options for the caller.
/// </summary>
public static class PostgresConnectionString
{
    /// <summary>Whether <paramref name="text"/> looks like a PostgreSQL address rather than a file name.</summary>
    public static bool IsPostgres(string? text) => text is not null
        && (text.StartsWith("postgres://", StringComparison.Ordinal) || text.StartsWith("postgresql://", StringComparison.Ordinal)
            || text.StartsWith("Host=", StringComparison.OrdinalIgnoreCase) || text.StartsWith("Server=", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The Npgsql connection string for <paramref name="text"/>, and the URL's query parameters (empty for a connection
    /// string). Throws <see cref="ArgumentException"/> when it is neither.
    /// </summary>
    public static string Parse(string text, out IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        parameters = query;
        try
        {
            if (!text.StartsWith("postgres://", StringComparison.Ordinal) && !text.StartsWith("postgresql://", StringComparison.Ordinal))
            {
                // Parsing checks every keyword; an unknown one is a typo worth stopping for.
                return new NpgsqlConnectionStringBuilder(text).ConnectionString;
            }

            var uri = new Uri(text);
            string[] user = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
            var builder = new NpgsqlConnectionStringBuilder
            {
                Host = uri.Host,
                Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
                Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
                Username = user[0].Length == 0 ? null : user[0],
                Password = user.Length > 1 ? user[1] : null,
            };
            foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] kv = pair.Split('=', 2);
                query[kv[0]] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : string.Empty;
            }

            return builder.ConnectionString;
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException or KeyNotFoundException)
        {
            throw new ArgumentException($"not a PostgreSQL connection string or postgres:// URL: {e.Message}", nameof(text), e);
        }
    }

    /// <summary>Where <paramref name="connectionString"/> points, for messages: <c>host:port/database</c>, never the password.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return string.Create(CultureInfo.InvariantCulture, $"{builder.Host}:{builder.Port}/{builder.Database}");
    }
}

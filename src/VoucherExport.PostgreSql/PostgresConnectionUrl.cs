using System.Globalization;
using Npgsql;

namespace VoucherExport.PostgreSql;

/// <summary>
/// Reads the PostgreSQL addresses the command line and configuration accept: a URL
/// <c>postgres://user:password@host:port/database?schema=…&amp;table=…&amp;vouchers=…&amp;partitions=…</c> (also
/// <c>postgresql://</c>) or an Npgsql connection string (<c>Host=…;Username=…</c>, the default tables).
/// </summary>
public static class PostgresConnectionUrl
{
    /// <summary>Whether <paramref name="value"/> looks like a PostgreSQL address rather than a file name.</summary>
    public static bool IsPostgres(string? value) =>
        value is not null
        && (value.StartsWith("postgres://", StringComparison.Ordinal)
            || value.StartsWith("postgresql://", StringComparison.Ordinal)
            || value.StartsWith("Host=", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The Npgsql connection string and the ledger options <paramref name="value"/> names. Throws
    /// <see cref="FormatException"/> naming what is wrong (an unknown query key, a bad port or partition count).
    /// </summary>
    public static (string ConnectionString, PostgresLedgerOptions Ledger) Parse(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        var options = PostgresLedgerOptions.Default;
        try
        {
            if (value.StartsWith("Host=", StringComparison.OrdinalIgnoreCase))
            {
                return (new NpgsqlConnectionStringBuilder(value).ConnectionString, options);
            }

            if (!IsPostgres(value))
            {
                throw new FormatException("expected postgres://user:password@host:port/database or Host=…;Username=…");
            }

            var uri = new Uri(value);
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
                string setting = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : string.Empty;
                options = kv[0] switch
                {
                    "schema" => options with { Schema = setting },
                    "table" => options with { Table = setting },
                    "vouchers" => options with { VouchersTable = setting },
                    "partitions" => options with { Partitions = int.Parse(setting, NumberStyles.None, CultureInfo.InvariantCulture) },
                    _ => throw new FormatException($"unknown option '{kv[0]}' in the PostgreSQL URL (allowed: schema, table, vouchers, partitions)"),
                };
            }

            return (builder.ConnectionString, options.Validate());
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or OverflowException)
        {
            throw new FormatException($"not a usable PostgreSQL address: {e.Message}", e);
        }
    }
}

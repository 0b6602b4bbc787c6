using System.Globalization;
using Npgsql;
using VoucherExport.PostgreSql;

namespace VoucherExport.Hosting;

/// <summary>PostgreSQL addresses in settings: read by the one parser (<see cref="PostgresConnectionUrl"/>), described without the password.</summary>
internal static class PostgresConnectionString
{
    /// <summary>The Npgsql connection string of a connection string or <c>postgres://</c> URL; <see cref="ArgumentException"/> when it is neither.</summary>
    public static string Parse(string text)
    {
        try
        {
            return PostgresConnectionUrl.Parse(text).ConnectionString;
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, nameof(text), e);
        }
    }

    /// <summary>Where <paramref name="connectionString"/> points, for messages: <c>host:port/database</c>, never the password.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return string.Create(CultureInfo.InvariantCulture, $"{builder.Host}:{builder.Port}/{builder.Database}");
    }
}

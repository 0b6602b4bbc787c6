using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace VoucherExport.Server.Health;

/// <summary>
/// A PostgreSQL server (the registry's or the ledger's, by their connection string) answers: a new connection (no pool, so
/// a restarted server is seen at once) runs <c>SELECT 1</c>.
/// </summary>
internal sealed class PostgresHealthCheck : IHealthCheck, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _where;

    public PostgresHealthCheck(string connectionString, string key)
    {
        // The setting may be a postgres:// URL or a connection string: the one parser reads both.
        var builder = new NpgsqlConnectionStringBuilder(PostgreSql.PostgresConnectionUrl.Parse(connectionString).ConnectionString)
        {
            Pooling = false,
            Timeout = 3,
            CommandTimeout = 3,
        };
        _where = $"PostgreSQL of {key} ({builder.Host}:{builder.Port}/{builder.Database})";
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var command = _dataSource.CreateCommand("SELECT 1");
            await using (command.ConfigureAwait(false))
            {
                object? one = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return one is 1 ? HealthCheckResult.Healthy($"{_where} answers") : HealthCheckResult.Unhealthy($"{_where} answered {one}");
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy($"{_where} is not reachable: {e.Message}");
        }
    }

    public void Dispose() => _dataSource.Dispose();
}

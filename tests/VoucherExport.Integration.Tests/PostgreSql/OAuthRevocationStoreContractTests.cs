using System.Security.Cryptography;
using Npgsql;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>The revocation store contract, run against the in-memory store and the PostgreSQL store.</summary>
public class OAuthRevocationStoreContractTests
{
    [Fact]
    public Task TheInMemoryStoreKeepsTheContract() => KeepsTheContractAsync(new InMemoryOAuthRevocationStore(), null);

    [PostgresFact]
    public async Task ThePostgresStoreKeepsTheContract()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: false);
        var store = new PostgresOAuthRevocationStore(db.DataSource, db.Exports);

        // A second instance of the service: its own connection pool and store object over the same table.
        await using NpgsqlDataSource otherPool = NpgsqlDataSource.Create(Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable)!);
        var otherInstance = new PostgresOAuthRevocationStore(otherPool, db.Schema);
        await KeepsTheContractAsync(store, otherInstance);
    }

    [PostgresFact]
    public async Task OnlyTheHashOfTheTokenIdAndItsExpiryAreStored()
    {
        await using var db = await PgTestDatabase.CreateAsync(ledger: false);
        var store = new PostgresOAuthRevocationStore(db.DataSource, db.Exports);
        byte[] tokenId = RandomNumberGenerator.GetBytes(16);
        byte[] hash = SHA256.HashData(tokenId);
        DateTimeOffset expires = DateTimeOffset.UtcNow.AddMinutes(15);
        Assert.True(await store.RevokeAsync(hash, expires));

        await using (var columns = db.DataSource.CreateCommand(
            $"SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_schema = '{db.Schema}' AND table_name = '{PostgresOAuthRevocationStore.DefaultTable}'"))
        {
            Assert.Equal("expires_at,revoked_at,token_id_sha256", (string)(await columns.ExecuteScalarAsync())!);
        }

        await using var rows = db.DataSource.CreateCommand(
            $"SELECT token_id_sha256, expires_at FROM \"{db.Schema}\".{PostgresOAuthRevocationStore.DefaultTable}");
        await using var reader = await rows.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(hash, (byte[])reader[0]);
        Assert.NotEqual(tokenId, ((byte[])reader[0])[..16]);
        Assert.Equal(expires.ToUnixTimeMilliseconds() / 1000, new DateTimeOffset(reader.GetDateTime(1)).ToUnixTimeMilliseconds() / 1000);
        Assert.False(await reader.ReadAsync());
    }

    private static async Task KeepsTheContractAsync(IOAuthRevocationStore store, IOAuthRevocationStore? otherInstance)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        byte[] live = SHA256.HashData(RandomNumberGenerator.GetBytes(16));
        byte[] stale = SHA256.HashData(RandomNumberGenerator.GetBytes(16));
        byte[] never = SHA256.HashData(RandomNumberGenerator.GetBytes(16));

        Assert.False(await store.IsRevokedAsync(live));
        Assert.True(await store.RevokeAsync(live, now.AddMinutes(15)));
        Assert.False(await store.RevokeAsync(live, now.AddMinutes(15)));
        Assert.True(await store.IsRevokedAsync(live));
        Assert.False(await store.IsRevokedAsync(never));
        if (otherInstance is not null)
        {
            Assert.True(await otherInstance.IsRevokedAsync(live));
            Assert.False(await otherInstance.RevokeAsync(live, now.AddMinutes(15)));
        }

        // A revocation of a token that has expired is kept until a purge, then forgotten; the live one stays.
        Assert.True(await store.RevokeAsync(stale, now.AddHours(-1)));
        Assert.True(await store.IsRevokedAsync(stale));
        Assert.Equal(1, await store.PurgeExpiredAsync(now));
        Assert.False(await store.IsRevokedAsync(stale));
        Assert.True(await store.IsRevokedAsync(live));
        Assert.Equal(0, await store.PurgeExpiredAsync(now));

        // Each revocation also sweeps what has expired.
        Assert.True(await store.RevokeAsync(stale, now.AddHours(-1)));
        Assert.True(await store.RevokeAsync(never, now.AddMinutes(15)));
        Assert.False(await store.IsRevokedAsync(stale));

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.RevokeAsync(new byte[16], now));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.IsRevokedAsync(Array.Empty<byte>()));
    }
}

using System.Text.Json;
using Npgsql;
using VoucherExport.Cli;
using VoucherExport.Demo;
using VoucherExport.PostgreSql;
using VoucherExport.Transactions;

namespace VoucherExport.Integration.Tests.PostgreSql;

/// <summary>
/// <c>voucher-export load</c> and the PostgreSQL voucher directory against the real server: a generated ledger goes in,
/// a re-run replaces it, and exports from the database equal exports from the file.
/// </summary>
public sealed class LoadCommandTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vx-load-").FullName;
    private PgTestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await PgTestDatabase.CreateAsync(ledger: false);

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [PostgresFact]
    public async Task ALoadedLedgerExportsTheSameBytesAsItsFileAndAReRunReplacesIt()
    {
        string ledger = Path.Combine(_folder, "ledger.jsonl");
        string vouchers = Path.Combine(_folder, "vouchers.jsonl");
        Assert.Equal(0, (await RunAsync("generate", "--rows", "3000", "--seed", "5", "--out", ledger, "--vouchers", vouchers)).Exit);

        for (int run = 0; run < 2; run++)
        {
            var (exit, stdout, stderr) = await RunAsync("load", "--source", ledger, "--vouchers", vouchers, "--into", Url(), "--quiet");
            Assert.True(exit == 0, stderr);
            using var summary = JsonDocument.Parse(stdout);
            Assert.Equal(3000, summary.RootElement.GetProperty("transactions").GetInt64());
            Assert.Equal(3000, await CountAsync("voucher_transactions"));
            Assert.Equal(summary.RootElement.GetProperty("vouchers").GetInt64(), await CountAsync("vouchers"));
        }

        // The campaign is named as a person would name it; the PostgreSQL directory resolves it as the file's does.
        // (details is left out: jsonb stores its keys in its own order, a known difference of the PostgreSQL ledger.)
        VoucherInfo gift = VoucherJsonLines.Read(vouchers).First(v => v.Type == VoucherInfo.GiftVoucher);
        string[] scope = ["--campaign", gift.CampaignName!, "--parameters", """{"order":"created_at","fields":["id","type","amount","balance","created_at","voucher_id","reason"]}"""];
        byte[] fromFile = await ExportAsync("file", ["--source", ledger, "--vouchers", vouchers, .. scope]);
        byte[] fromDatabase = await ExportAsync("db", ["--source", Url(), .. scope]);
        Assert.True(fromFile.Length > 100);
        Assert.Equal(fromFile, fromDatabase);

        // A code resolves through the table to the voucher's id, and only that voucher's rows are exported.
        byte[] byCode = await ExportAsync("code", ["--source", Url(), "--voucher", gift.Code, "--parameters", """{"fields":["voucher_id"],"order":"created_at"}"""]);
        string[] lines = System.Text.Encoding.UTF8.GetString(byCode).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)[1..];
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Equal(gift.Id, line));
    }

    [PostgresFact]
    public async Task TheDirectoryFindsVouchersByIdOrCodeAndCampaignsByIdOrName()
    {
        await LoadAsync([], [
            new VoucherInfo("v_1", "GIFT-1", "camp_g", VoucherInfo.GiftVoucher) { CampaignName = "Gift Cards" },
            new VoucherInfo("v_2", "LC-2", "camp_l", VoucherInfo.LoyaltyCard) { CampaignName = "Loyalty" },
            new VoucherInfo("v_3", "v_1", "camp_d", VoucherInfo.DiscountVoucher),
            new VoucherInfo("v_4", "LOOSE", null, VoucherInfo.GiftVoucher) { CampaignName = "camp_g" },
        ]);
        var directory = new PostgresVoucherDirectory(_db.DataSource, _db.Ledger);

        Assert.Equal("v_2", (await directory.FindVoucherAsync("LC-2"))?.Id);
        Assert.Equal(new VoucherInfo("v_2", "LC-2", "camp_l", VoucherInfo.LoyaltyCard) { CampaignName = "Loyalty" }, await directory.FindVoucherAsync("v_2"));
        Assert.Equal("v_1", (await directory.FindVoucherAsync("v_1"))?.Id); // an id wins over another voucher's equal code
        Assert.Null(await directory.FindVoucherAsync("lc-2"));
        Assert.Equal(new CampaignInfo("camp_g", "Gift Cards", CampaignInfo.GiftVouchers), await directory.FindCampaignAsync("Gift Cards"));
        Assert.Equal(new CampaignInfo("camp_l", "Loyalty", CampaignInfo.LoyaltyProgram), await directory.FindCampaignAsync("camp_l"));
        Assert.Equal(new CampaignInfo("camp_d", "camp_d", CampaignInfo.DiscountCoupons), await directory.FindCampaignAsync("camp_d"));
        Assert.Equal("camp_g", (await directory.FindCampaignAsync("camp_g"))?.Id);
        Assert.Null(await directory.FindCampaignAsync("gift cards"));
    }

    [PostgresFact]
    public async Task ABadRowLeavesTheEarlierLoadInPlace()
    {
        VoucherTransaction[] rows = [.. new DemoLedger(10, 3).Transactions().Take(2)];
        await LoadAsync([rows[0]], [new VoucherInfo("v_1", "A", null, VoucherInfo.GiftVoucher)]);

        // The same id twice breaks the primary key half-way through the COPY.
        await Assert.ThrowsAsync<PostgresException>(() => LoadAsync([rows[1], rows[0], rows[0]], []));

        Assert.Equal(1, await CountAsync("voucher_transactions"));
        Assert.Equal(1, await CountAsync("vouchers"));
    }

    [PostgresFact]
    public async Task AViewOverAUsersOwnTableServesAsTheDirectory()
    {
        await _db.ExecuteAsync($"""
            CREATE SCHEMA IF NOT EXISTS "{_db.Schema}";
            CREATE TABLE "{_db.Schema}".cards (card_id text PRIMARY KEY, card_code text, program text, program_name text, kind text);
            INSERT INTO "{_db.Schema}".cards VALUES ('v_9', 'MY-CODE', 'camp_9', 'Members', 'LOYALTY_CARD');
            CREATE VIEW "{_db.Schema}".vouchers AS
              SELECT card_id AS id, card_code AS code, program AS campaign_id, program_name AS campaign, kind AS type FROM "{_db.Schema}".cards;
            """);

        await PostgresLedgerSchema.EnsureCreatedAsync(_db.DataSource, _db.Ledger);
        var directory = new PostgresVoucherDirectory(_db.DataSource, _db.Ledger);

        Assert.Equal("v_9", (await directory.FindVoucherAsync("MY-CODE"))?.Id);
        Assert.Equal(new CampaignInfo("camp_9", "Members", CampaignInfo.LoyaltyProgram), await directory.FindCampaignAsync("Members"));
    }

    [PostgresFact]
    public async Task AnUnreachableServerIsOneLineNamingTheOption()
    {
        var (exit, _, stderr) = await RunAsync("load", "--source", "demo:10", "--into", "postgres://x:y@127.0.0.1:1/none");
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("--into: PostgreSQL at 127.0.0.1 is not reachable", stderr, StringComparison.Ordinal);
    }

    private async Task LoadAsync(VoucherTransaction[] rows, VoucherInfo[] vouchers) =>
        await PostgresLedgerLoader.ReplaceAsync(_db.DataSource, new InMemoryTransactionSource(rows), vouchers, _db.Ledger);

    private async Task<long> CountAsync(string table)
    {
        await using var command = _db.DataSource.CreateCommand($"SELECT count(*) FROM \"{_db.Schema}\".\"{table}\"");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<byte[]> ExportAsync(string name, string[] args)
    {
        string output = Path.Combine(_folder, name);
        var (exit, stdout, stderr) = await RunAsync(["export", "--out", output, "--quiet", "--json", .. args]);
        Assert.True(exit == 0, stderr + stdout);
        string id = JsonDocument.Parse(stdout).RootElement.GetProperty("id").GetString()!;
        return await File.ReadAllBytesAsync(Path.Combine(output, id, "part-00001.csv"));
    }

    private string Url()
    {
        var builder = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable(PostgresFactAttribute.Variable));
        return $"postgres://{Uri.EscapeDataString(builder.Username!)}:{Uri.EscapeDataString(builder.Password ?? "")}@{builder.Host}:{builder.Port}/{builder.Database}?schema={_db.Schema}";
    }

    private static Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args) => InProcessCli.RunAsync(args);
}

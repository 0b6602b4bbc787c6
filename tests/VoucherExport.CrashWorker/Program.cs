using System.Globalization;
using System.Runtime.CompilerServices;
using Npgsql;
using VoucherExport.Chunks;
using VoucherExport.PostgreSql;
using VoucherExport.Registry;
using VoucherExport.Transactions;

// Usage: VoucherExport.CrashWorker <schema> <output folder> <lease ms> <pause ms per batch> <worker name>
// Connects to VX_POSTGRES, runs a registry of one worker over the PostgreSQL export store and ledger in <schema>,
// writing chunks under <output folder>, until its standard input closes or it is killed.
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: VoucherExport.CrashWorker <schema> <output folder> <lease ms> <pause ms per batch> <worker name>");
    return 2;
}

string connection = Environment.GetEnvironmentVariable("VX_POSTGRES")
    ?? throw new InvalidOperationException("VX_POSTGRES is not set");
string schema = args[0];
var lease = TimeSpan.FromMilliseconds(int.Parse(args[2], CultureInfo.InvariantCulture));
var pause = TimeSpan.FromMilliseconds(int.Parse(args[3], CultureInfo.InvariantCulture));

await using NpgsqlDataSource data = NpgsqlDataSource.Create(connection);
ITransactionSource ledger = new PostgresTransactionSource(data, new PostgresLedgerOptions { Schema = schema, BatchSize = 256 });
if (pause > TimeSpan.Zero)
{
    // Slows the run down so the test can kill it half way; the bytes are the same.
    ledger = new PausingSource(ledger, pause);
}

var options = new ExportRegistryOptions
{
    MaxConcurrentExports = 1,
    LeaseDuration = lease,
    HeartbeatInterval = lease / 4,
    PollInterval = TimeSpan.FromMilliseconds(100),
    Chunks = new ChunkLimits { MaxChunkBytes = 16 * 1024 },
    WorkerName = args[4],
};
await using (var registry = new ExportRegistry(
    new PostgresExportStore(data, new PostgresExportStoreOptions { Schema = schema }),
    ledger,
    new FileSystemChunkSinkFactory(args[1]),
    options))
{
    Console.WriteLine("ready");
    await Console.In.ReadToEndAsync();
}

return 0;

/// <summary>A source that pauses before each batch.</summary>
internal sealed class PausingSource(ITransactionSource inner, TimeSpan pause) : ITransactionSource
{
    public SourcePushdown Plan(TransactionQuery query) => inner.Plan(query);

    public async IAsyncEnumerable<ReadOnlyMemory<VoucherTransaction>> ReadAsync(
        TransactionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (ReadOnlyMemory<VoucherTransaction> batch in inner.ReadAsync(query, cancellationToken))
        {
            await Task.Delay(pause, cancellationToken);
            yield return batch;
        }
    }
}

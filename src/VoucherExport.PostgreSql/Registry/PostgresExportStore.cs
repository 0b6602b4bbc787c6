using Npgsql;
using NpgsqlTypes;
using VoucherExport.Chunks;
using VoucherExport.Registry;

namespace VoucherExport.PostgreSql;

/// <summary>
/// A durable <see cref="IExportStore"/> in a PostgreSQL table (see <c>voucher_exports.sql</c>): exports survive a
/// restart, and any number of registries (processes) share it. A worker claims an export with
/// <c>FOR UPDATE SKIP LOCKED</c>, so two claims never meet; every write of a run names its lease (owner and claim
/// number), so a run that was taken over can no longer change the export.
/// </summary>
/// <remarks>
/// Lease instants come from the database's clock (<see cref="PostgresExportStoreOptions.LeaseClock"/>), so instances whose
/// clocks drift apart agree on when a lease ran out. Each committed chunk is a row of <c>{table}_chunks</c>, written only
/// while the committing claim still holds the export (<see cref="TryCommitChunkAsync"/>). A finished export's chunk list
/// is a row per chunk of <c>{table}_published</c>, written with its final state, so its own row stays small (reads put
/// the list back; <see cref="PublishedChunkTable"/>). Adds, hand-backs and final
/// states are announced with <c>NOTIFY</c>, so registries wake at once (<see cref="ListenAsync"/>) instead of polling.
/// </remarks>
public sealed class PostgresExportStore : IExportStore, IExportStoreMonitor, IExportChangeFeed
{
    private const string Columns =
        "e.app_id, e.status, e.export, e.csv, e.max_chunk_bytes, e.max_chunk_rows, e.progress_rows, e.progress_bytes, e.progress_chunks, "
        + "e.chunk_compression, e.chunk_compression_level, e.progress_phase, e.progress_phase_done, e.progress_phase_total, e.progress_phase_unit, "
        + "e.range_task, e.result_chunks";

    // Queries that read more than a job add their columns after these.
    private const int ColumnCount = 17;

    // result_chunks: how many chunks of the result live in {table}_published; null when the JSON holds them (PublishedChunkTable).
    private const int PublishedColumn = 16;

    // Applications see only the exports they created, never the range tasks of one.
    private const string Visible = "e.parent_id IS NULL";

    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresExportStoreOptions _options;
    private readonly string _table;
    private readonly string _chunks;
    private readonly PublishedChunkTable _published;
    private readonly bool _databaseClock;

    /// <summary>A store in the table <paramref name="options"/> names (create it with <see cref="EnsureCreatedAsync"/>).</summary>
    public PostgresExportStore(NpgsqlDataSource dataSource, PostgresExportStoreOptions? options = null)
    {
        _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        _options = (options ?? PostgresExportStoreOptions.Default).Validate();
        _table = _options.QualifiedTable;
        _chunks = _options.QualifiedChunksTable;
        _published = new PublishedChunkTable(_options.QualifiedPublishedTable);
        _databaseClock = _options.LeaseClock == LeaseClock.Database;
    }

    /// <summary>The schema script as shipped, with <c>{schema}</c>, <c>{table}</c> and <c>{name}</c> placeholders.</summary>
    public static string Script { get; } = EmbeddedSql.Read("voucher_exports.sql");

    /// <inheritdoc />
    /// <remarks>True: exports live in the database and other registries may run them.</remarks>
    public bool IsShared => true;

    /// <summary>Creates the table and its indexes if they do not exist (safe from many processes at once).</summary>
    public static Task EnsureCreatedAsync(
        NpgsqlDataSource dataSource, PostgresExportStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        options = (options ?? PostgresExportStoreOptions.Default).Validate();
        return EmbeddedSql.RunLockedAsync(dataSource, EmbeddedSql.Fill(Script, options.Schema, options.Table), cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask AddAsync(ExportJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ExportObject export = job.Export;
        try
        {
            await ExecuteAsync(
                $"INSERT INTO {_table} (id, app_id, status, created_at, export, csv, max_chunk_bytes, max_chunk_rows, updated_at, "
                + "chunk_compression, chunk_compression_level) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $4, $9, $10)",
                cancellationToken,
                Text(export.Id), Text(job.AppId), Text(ExportStateMachine.Name(export.Status)), Instant(Milliseconds(export.CreatedAt)),
                Json(ExportJson.ToUtf8(export, indented: false)), JsonText(CsvFormatJson.Write(job.Csv)),
                Int64(job.Chunks.MaxChunkBytes), OptionalInt64(job.Chunks.MaxChunkRows),
                Text(job.Chunks.Compression == ChunkCompression.Gzip ? "gzip" : "none"), Int32(job.Chunks.CompressionLevel)).ConfigureAwait(false);
            await NotifyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new InvalidOperationException($"export {export.Id} exists already", ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask<ExportJob?> GetAsync(string appId, string exportId, CancellationToken cancellationToken)
    {
        List<ExportJob> found = await QueryJobsAsync(
            $"SELECT {Columns} FROM {_table} AS e WHERE e.id = $1 AND e.app_id = $2 AND {Visible}", cancellationToken,
            Text(exportId), Text(appId)).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public async ValueTask<ExportPage> ListAsync(string appId, int limit, int page, ExportListOrder order, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);

        // The same order as ExportListComparer: the key, then newest first, then id (byte order, the "C" collation).
        string orderBy = order switch
        {
            ExportListOrder.CreatedAtAscending => "e.created_at ASC, e.id ASC",
            ExportListOrder.StatusAscending => "e.status ASC, e.created_at DESC, e.id ASC",
            ExportListOrder.StatusDescending => "e.status DESC, e.created_at DESC, e.id ASC",
            _ => "e.created_at DESC, e.id ASC",
        };
        long offset = (long)(page - 1) * limit;
        List<ExportJob> jobs = await QueryJobsAsync(
            $"SELECT {Columns} FROM {_table} AS e WHERE e.app_id = $1 AND {Visible} ORDER BY {orderBy} LIMIT $2 OFFSET $3", cancellationToken,
            Text(appId), Int64(limit), Int64(offset)).ConfigureAwait(false);
        long total = await ScalarAsync<long>(
            $"SELECT count(*) FROM {_table} AS e WHERE e.app_id = $1 AND {Visible}", cancellationToken, Text(appId)).ConfigureAwait(false);
        return new ExportPage([.. jobs.Select(j => j.Export)], checked((int)total));
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryUpdateAsync(ExportJob updated, ExportStatus expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updated);
        if (!ExportStateMachine.CanMove(expected, updated.Export.Status))
        {
            return false;
        }

        int rows = await WriteAsync(
            $"UPDATE {_table} AS e SET {WriteSet("$3")} WHERE e.id = $1 AND e.status = $2 AND {Visible}",
            updated.Export, cancellationToken, Text(updated.Export.Id), Text(ExportStateMachine.Name(expected))).ConfigureAwait(false);
        return rows == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> RemoveAsync(string appId, string exportId, CancellationToken cancellationToken)
    {
        int rows = await ExecuteAsync(
            $"DELETE FROM {_table} AS e WHERE e.id = $1 AND e.app_id = $2 AND {Visible}", cancellationToken, Text(exportId), Text(appId))
            .ConfigureAwait(false);
        return rows == 1;
    }

    /// <inheritdoc />
    /// <remarks>A range task is claimed only while its export runs; in creation order, a split export's tasks come before later exports.</remarks>
    public ValueTask<ExportClaim?> TryClaimAsync(
        string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        ClaimAsync(parentId: null, owner, now, leaseDuration, cancellationToken);

    /// <inheritdoc />
    public ValueTask<ExportClaim?> TryClaimRangeTaskAsync(
        string parentId, string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(parentId);
        return ClaimAsync(parentId, owner, now, leaseDuration, cancellationToken);
    }

    private async ValueTask<ExportClaim?> ClaimAsync(
        string? parentId, string owner, DateTimeOffset now, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        DateTimeOffset expires = now + leaseDuration;

        // $2 is the instant of the claim: the database's clock (one reading for the statement) unless the caller's is asked for.
        string at = _databaseClock ? "clock_timestamp()" : "$2";
        string sql =
            $"WITH clock AS (SELECT {at} AS now) "
            + $"UPDATE {_table} AS e SET status = 'IN_PROGRESS', lease_owner = $1, lease_expires_at = clock.now + $3, attempts = e.attempts + 1, "
            + "started_at = COALESCE(e.started_at, clock.now), progress_rows = 0, progress_bytes = 0, progress_chunks = 0, "
            + "progress_phase = 0, progress_phase_done = 0, progress_phase_total = 0, progress_phase_unit = 0, updated_at = clock.now "
            + $"FROM clock, (SELECT c.id FROM {_table} AS c, clock "
            + "WHERE (c.status = 'SCHEDULED' OR (c.status = 'IN_PROGRESS' AND (c.lease_expires_at IS NULL OR c.lease_expires_at <= clock.now))) "
            + $"AND {ParentRunning("c")} AND ($4::text IS NULL OR c.parent_id = $4) "
            + "ORDER BY c.created_at, c.seq LIMIT 1 FOR UPDATE OF c SKIP LOCKED) AS next "
            + $"WHERE e.id = next.id RETURNING {Columns}, e.attempts, e.started_at, e.lease_expires_at";

        NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = new NpgsqlCommand(sql, connection);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(Text(owner));
                command.Parameters.Add(Instant(now));
                command.Parameters.Add(Interval(leaseDuration));
                command.Parameters.Add(OptionalText(parentId));
                NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return null;
                    }

                    ExportJob job = ReadJob(reader);
                    int attempt = reader.GetInt32(ColumnCount);
                    var startedAt = new DateTimeOffset(reader.GetFieldValue<DateTime>(ColumnCount + 1).Ticks, TimeSpan.Zero);
                    if (_databaseClock)
                    {
                        // The registry measures its lease on its own clock: the database's duration from the registry's now.
                        expires = now + leaseDuration;
                    }

                    var lease = new ExportLease(job.AppId, job.Export.Id, owner, attempt, expires);
                    return new ExportClaim(job, lease, startedAt);
                }
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryRenewAsync(
        ExportLease lease, DateTimeOffset now, TimeSpan leaseDuration, ExportProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        string at = _databaseClock ? "clock_timestamp()" : "$8";
        int rows = await ExecuteAsync(
            $"UPDATE {_table} AS e SET lease_expires_at = {at} + $4, progress_rows = $5, progress_bytes = $6, progress_chunks = $7, "
            + $"updated_at = {at}, progress_phase = $9, progress_phase_done = $10, progress_phase_total = $11, progress_phase_unit = $12 "
            + $"WHERE e.id = $1 AND e.status = 'IN_PROGRESS' AND e.lease_owner = $2 AND e.attempts = $3 AND $8 IS NOT NULL AND {ParentRunning("e")}",
            cancellationToken,
            Text(lease.ExportId), Text(lease.Owner), Int32(lease.Attempt), Interval(leaseDuration),
            Int64(progress.Rows), Int64(progress.Bytes), Int32(progress.Chunks), Instant(now),
            Int32((int)progress.Phase), Int64(progress.PhaseDone), Int64(progress.PhaseTotal), Int32((int)progress.PhaseUnit)).ConfigureAwait(false);
        return rows == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryFinishAsync(ExportJob updated, ExportLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updated);
        ArgumentNullException.ThrowIfNull(lease);
        if (updated.Export.Id != lease.ExportId || !ExportStateMachine.CanMove(ExportStatus.InProgress, updated.Export.Status))
        {
            return false;
        }

        int rows = await WriteAsync(
            $"UPDATE {_table} AS e SET {WriteSet("$4")} "
            + $"WHERE e.id = $1 AND e.status = 'IN_PROGRESS' AND e.lease_owner = $2 AND e.attempts = $3 AND {ParentRunning("e")}",
            updated.Export, cancellationToken, Text(lease.ExportId), Text(lease.Owner), Int32(lease.Attempt)).ConfigureAwait(false);
        if (rows == 1)
        {
            await NotifyAsync(cancellationToken).ConfigureAwait(false);
        }

        return rows == 1;
    }

    /// <inheritdoc />
    public async ValueTask ReleaseAsync(ExportLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await ExecuteAsync(
            $"UPDATE {_table} AS e SET lease_owner = NULL, lease_expires_at = NULL, updated_at = now() "
            + "WHERE e.id = $1 AND e.status = 'IN_PROGRESS' AND e.lease_owner = $2 AND e.attempts = $3",
            cancellationToken, Text(lease.ExportId), Text(lease.Owner), Int32(lease.Attempt)).ConfigureAwait(false);
        await NotifyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>True: each chunk is a row of <c>{table}_chunks</c>, removed with its export.</remarks>
    public bool KeepsChunks => true;

    /// <inheritdoc />
    public async ValueTask<bool> TryCommitChunkAsync(ExportLease lease, ChunkInfo chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(chunk);

        // The next chunk in order, or nothing: a chunk's index is its place, and two commits of one place cannot both land.
        long index = await LastChunkIndexAsync(lease.ExportId, cancellationToken).ConfigureAwait(false) + 1;
        if (index > int.MaxValue || !ChunkNames.TryParse(chunk.Name, out int task, out _)
            || (chunk.Name != ChunkInfo.NameFor((int)index, ChunkCompression.None, task)
            && chunk.Name != ChunkInfo.NameFor((int)index, ChunkCompression.Gzip, task)))
        {
            return false;
        }

        // One statement: the row is written only while this claim holds the export.
        int rows = await ExecuteAsync(
            $"INSERT INTO {_chunks} (export_id, chunk_index, name, rows, bytes, uncompressed_bytes, sha256, first_created_at, "
            + "last_created_at, last_id, oversize, source_offset, attempt) "
            + "SELECT e.id, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $3 "
            + $"FROM {_table} AS e WHERE e.id = $1 AND e.status = 'IN_PROGRESS' AND e.lease_owner = $2 AND e.attempts = $3 "
            + $"AND {ParentRunning("e")} ON CONFLICT DO NOTHING",
            cancellationToken,
            Text(lease.ExportId), Text(lease.Owner), Int32(lease.Attempt), Int32((int)index), Text(chunk.Name), Int64(chunk.Rows),
            Int64(chunk.Bytes), OptionalInt64(chunk.UncompressedBytes), Text(chunk.Sha256), OptionalText(RoundTrip(chunk.FirstCreatedAt)),
            OptionalText(RoundTrip(chunk.LastCreatedAt)), OptionalText(chunk.LastId), Bool(chunk.Oversize),
            OptionalInt64(chunk.SourceOffset)).ConfigureAwait(false);
        return rows == 1;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ChunkInfo>> GetChunksAsync(string exportId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(exportId);
        var chunks = new List<ChunkInfo>();
        NpgsqlCommand command = _dataSource.CreateCommand(
            "SELECT name, rows, bytes, uncompressed_bytes, sha256, first_created_at, last_created_at, last_id, oversize, source_offset "
            + $"FROM {_chunks} WHERE export_id = $1 ORDER BY chunk_index");
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(Text(exportId));
            NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    chunks.Add(new ChunkInfo(
                        reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(4),
                        ParseRoundTrip(reader, 5), ParseRoundTrip(reader, 6), reader.GetBoolean(8))
                    {
                        UncompressedBytes = reader.IsDBNull(3) ? null : reader.GetInt64(3),
                        LastId = reader.IsDBNull(7) ? null : reader.GetString(7),
                        SourceOffset = reader.IsDBNull(9) ? null : reader.GetInt64(9),
                    });
                }
            }
        }

        return chunks;
    }

    /// <inheritdoc />
    /// <remarks>True: each range task is a hidden row of the export table (<c>parent_id</c>, <c>range_task</c>).</remarks>
    public bool RunsRangeTasks => true;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ExportJob>?> TryAddRangeTasksAsync(
        ExportLease parent, IReadOnlyList<ExportJob> tasks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(tasks);
        NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // The parent's row is locked for the transaction: two coordinators cannot both split it.
                var held = new NpgsqlCommand(
                    $"SELECT e.created_at FROM {_table} AS e WHERE e.id = $1 AND e.status = 'IN_PROGRESS' AND e.lease_owner = $2 "
                    + "AND e.attempts = $3 FOR UPDATE", connection, transaction);
                await using (held.ConfigureAwait(false))
                {
                    held.Parameters.Add(Text(parent.ExportId));
                    held.Parameters.Add(Text(parent.Owner));
                    held.Parameters.Add(Int32(parent.Attempt));
                    if (await held.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not DateTime createdAt)
                    {
                        return null;
                    }

                    var exists = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {_table} AS e WHERE e.parent_id = $1)", connection, transaction);
                    await using (exists.ConfigureAwait(false))
                    {
                        exists.Parameters.Add(Text(parent.ExportId));
                        if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                        {
                            foreach (ExportJob task in tasks)
                            {
                                await InsertRangeTaskAsync(connection, transaction, parent.ExportId, task, createdAt, cancellationToken).ConfigureAwait(false);
                            }
                        }
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await NotifyAsync(cancellationToken).ConfigureAwait(false);
        return await GetRangeTasksAsync(parent.ExportId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ExportJob>> GetRangeTasksAsync(string parentId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(parentId);
        return await QueryJobsAsync(
            $"SELECT {Columns} FROM {_table} AS e WHERE e.parent_id = $1 ORDER BY (e.range_task->>'task')::integer", cancellationToken,
            Text(parentId)).ConfigureAwait(false);
    }

    private async Task InsertRangeTaskAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string parentId, ExportJob task, DateTime createdAt,
        CancellationToken cancellationToken)
    {
        if (task.RangeTask is not { } range || range.ParentId != parentId)
        {
            throw new ArgumentException($"job {task.Export.Id} is not a range task of export {parentId}", nameof(task));
        }

        var insert = new NpgsqlCommand(
            $"INSERT INTO {_table} (id, app_id, status, created_at, export, csv, max_chunk_bytes, max_chunk_rows, updated_at, "
            + "chunk_compression, chunk_compression_level, parent_id, range_task) "
            + "VALUES ($1, $2, 'SCHEDULED', $3, $4, $5, $6, $7, clock_timestamp(), $8, $9, $10, $11)", connection, transaction);
        await using (insert.ConfigureAwait(false))
        {
            // The export's created_at, so that in claim order its tasks come before every later export.
            NpgsqlParameter[] values =
            [
                Text(task.Export.Id), Text(task.AppId), new NpgsqlParameter<DateTime> { TypedValue = createdAt, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                Json(ExportJson.ToUtf8(task.Export, indented: false)), JsonText(CsvFormatJson.Write(task.Csv)),
                Int64(task.Chunks.MaxChunkBytes), OptionalInt64(task.Chunks.MaxChunkRows),
                Text(task.Chunks.Compression == ChunkCompression.Gzip ? "gzip" : "none"), Int32(task.Chunks.CompressionLevel),
                Text(parentId), JsonText(RangeTaskJson.Write(range)),
            ];
            insert.Parameters.AddRange(values);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Through PostgreSQL's <c>LISTEN</c> on one connection of its own; a lost connection is opened again after a second,
    /// and <paramref name="changed"/> is called then too, since notifications sent meanwhile are lost.
    /// </remarks>
    public async Task ListenAsync(Action changed, CancellationToken cancellationToken)
    {
        TimeSpan retryDelay = TimeSpan.FromSeconds(1);
        ArgumentNullException.ThrowIfNull(changed);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += (_, _) => changed();
                    NpgsqlCommand listen = new($"LISTEN {_options.Channel}", connection);
                    await using (listen.ConfigureAwait(false))
                    {
                        await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    changed();
                    while (true)
                    {
                        await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or IOException or TimeoutException)
            {
                await Task.Delay(retryDelay, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task NotifyAsync(CancellationToken cancellationToken) =>
        await ExecuteAsync($"SELECT pg_notify('{_options.Channel}', '')", cancellationToken).ConfigureAwait(false);

    // The highest index, read from the primary key's end (not a count, which would read every record of a 100,000-chunk export per chunk).
    private async Task<long> LastChunkIndexAsync(string exportId, CancellationToken cancellationToken) =>
        await ScalarAsync<int>($"SELECT COALESCE(max(chunk_index), 0) FROM {_chunks} WHERE export_id = $1", cancellationToken, Text(exportId)).ConfigureAwait(false);

    private static string? RoundTrip(DateTimeOffset? value) =>
        value?.ToString("o", System.Globalization.CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseRoundTrip(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal)
        ? null
        : DateTimeOffset.ParseExact(reader.GetString(ordinal), "o", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.RoundtripKind);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ExportRecord>> ListRecentAsync(
        IReadOnlyCollection<string>? appIds, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var records = new List<ExportRecord>();
        var jobs = new List<(ExportJob, int?)>();
        NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(
                System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var command = new NpgsqlCommand(
                    $"SELECT {Columns}, e.lease_owner, e.lease_expires_at, e.attempts, e.started_at, e.updated_at FROM {_table} AS e "
                    + $"WHERE ($1::text[] IS NULL OR e.app_id = ANY($1)) AND {Visible} ORDER BY e.created_at DESC, e.seq DESC LIMIT $2",
                    connection, transaction);
                await using (command.ConfigureAwait(false))
                {
                    command.Parameters.Add(TextArray(appIds));
                    command.Parameters.Add(Int64(limit));
                    NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            ExportJob job = ReadJob(reader);
                            jobs.Add((job, PublishedCount(reader)));
                            bool running = job.Export.Status == ExportStatus.InProgress;
                            records.Add(new ExportRecord(
                                job,
                                running && !reader.IsDBNull(ColumnCount) ? reader.GetString(ColumnCount) : null,
                                running ? OptionalInstant(reader, ColumnCount + 1) : null,
                                reader.GetInt32(ColumnCount + 2),
                                OptionalInstant(reader, ColumnCount + 3),
                                OptionalInstant(reader, ColumnCount + 4)!.Value));
                        }
                    }
                }

                // The results' chunk lists, from the same snapshot.
                List<ExportJob> filled = await _published.FillAsync(connection, transaction, jobs, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return [.. records.Select((record, i) => record with { Job = filled[i] })];
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<ExportStoreOverview> GetOverviewAsync(
        IReadOnlyCollection<string>? appIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // One pass: the queue, live leases per owner, and leases that ran out (a hand-back counts from its write).
        string sql =
            "SELECT e.status, CASE WHEN e.status = 'IN_PROGRESS' AND e.lease_expires_at > $2 THEN e.lease_owner END AS owner, "
            + "count(*), min(e.created_at), min(COALESCE(e.lease_expires_at, e.updated_at)), max(e.updated_at) "
            + $"FROM {_table} AS e WHERE ($1::text[] IS NULL OR e.app_id = ANY($1)) AND {Visible} AND e.status IN ('SCHEDULED', 'IN_PROGRESS') "
            + "GROUP BY 1, 2";
        int scheduled = 0, expired = 0;
        DateTimeOffset? oldestScheduled = null, oldestExpired = null;
        var running = new SortedDictionary<string, int>(StringComparer.Ordinal);
        NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = new NpgsqlCommand(sql, connection);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(TextArray(appIds));
                command.Parameters.Add(Instant(now));
                NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        int count = checked((int)reader.GetInt64(2));
                        if (reader.GetString(0) == "SCHEDULED")
                        {
                            scheduled += count;
                            oldestScheduled = OptionalInstant(reader, 3);
                        }
                        else if (!reader.IsDBNull(1))
                        {
                            string instance = ExportStoreOverview.InstanceOf(reader.GetString(1));
                            running[instance] = running.GetValueOrDefault(instance) + count;
                        }
                        else
                        {
                            expired += count;
                            oldestExpired = OptionalInstant(reader, 4);
                        }
                    }
                }
            }

            var last = new NpgsqlCommand(
                $"SELECT max(e.updated_at) FROM {_table} AS e WHERE ($1::text[] IS NULL OR e.app_id = ANY($1)) AND {Visible}", connection);
            await using (last.ConfigureAwait(false))
            {
                last.Parameters.Add(TextArray(appIds));
                object? value = await last.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                DateTimeOffset? lastActivity = value is DateTime at ? new DateTimeOffset(at.Ticks, TimeSpan.Zero) : null;
                return new ExportStoreOverview(
                    scheduled, oldestScheduled, [.. running.Select(r => new InstanceLoad(r.Key, r.Value))], expired, oldestExpired, lastActivity);
            }
        }
    }

    private static DateTimeOffset? OptionalInstant(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(ordinal).Ticks, TimeSpan.Zero);

    private static NpgsqlParameter TextArray(IReadOnlyCollection<string>? values) => values is null
        ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text }
        : new NpgsqlParameter<string[]> { TypedValue = [.. values], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    // The SET list of a status write starting at parameter `first`: status, export, progress, where the result's chunks are;
    // a final state ends the lease.
    private static string WriteSet(string first)
    {
        int n = int.Parse(first.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
        return $"status = ${n}, export = ${n + 1}, progress_rows = ${n + 2}, progress_bytes = ${n + 3}, progress_chunks = ${n + 4}, "
            + $"result_chunks = ${n + 5}, lease_owner = CASE WHEN ${n} IN ('DONE', 'ERROR') THEN NULL ELSE e.lease_owner END, "
            + $"lease_expires_at = CASE WHEN ${n} IN ('DONE', 'ERROR') THEN NULL ELSE e.lease_expires_at END, updated_at = now()";
    }

    // A status write (WriteSet) whose key parameters come first. A result's chunk list goes to {table}_published in the
    // same transaction as the row: nobody reads the final state without its list, and the row stays small.
    private async Task<int> WriteAsync(string sql, ExportObject export, CancellationToken cancellationToken, params NpgsqlParameter[] keys)
    {
        ExportObject stored = PublishedChunkTable.Split(export, out IReadOnlyList<ExportChunk>? chunks);
        ExportProgress progress = export.Progress ?? default;
        NpgsqlParameter[] parameters =
        [
            .. keys, Text(ExportStateMachine.Name(export.Status)), Json(ExportJson.ToUtf8(stored, indented: false)),
            Int64(progress.Rows), Int64(progress.Bytes), Int32(progress.Chunks), OptionalInt32(chunks?.Count),
        ];
        if (chunks is not { Count: > 0 })
        {
            return await ExecuteAsync(sql, cancellationToken, parameters).ConfigureAwait(false);
        }

        NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var update = new NpgsqlCommand(sql, connection, transaction);
                await using (update.ConfigureAwait(false))
                {
                    update.Parameters.AddRange(parameters);
                    if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                    {
                        return 0;
                    }
                }

                await _published.InsertAsync(connection, transaction, export.Id, chunks, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return 1;
            }
        }
    }

    private static ExportJob ReadJob(NpgsqlDataReader reader)
    {
        string appId = reader.GetString(0);
        ExportStatus status = ExportStateMachine.Parse(reader.GetString(1));
        ExportObject export = ExportJson.Read(reader.GetFieldValue<byte[]>(2));
        var csv = CsvFormatJson.Read(reader.GetFieldValue<byte[]>(3));
        var chunks = new ChunkLimits
        {
            MaxChunkBytes = reader.GetInt64(4),
            MaxChunkRows = reader.IsDBNull(5) ? null : reader.GetInt64(5),
            Compression = reader.GetString(9) == "gzip" ? ChunkCompression.Gzip : ChunkCompression.None,
            CompressionLevel = reader.GetInt32(10),
        }.Validate();
        export = export with
        {
            Status = status,
            Progress = status == ExportStatus.InProgress
                ? new ExportProgress(reader.GetInt64(6), reader.GetInt64(7), reader.GetInt32(8))
                {
                    // The phase as the running instance last renewed its lease, so every instance shows the same.
                    Phase = (ExportPhase)reader.GetInt32(11),
                    PhaseDone = reader.GetInt64(12),
                    PhaseTotal = reader.GetInt64(13),
                    PhaseUnit = (Transactions.ProgressUnit)reader.GetInt32(14),
                }
                : export.Progress,
        };
        return new ExportJob(appId, export, csv, chunks)
        {
            RangeTask = reader.IsDBNull(15) ? null : RangeTaskJson.Read(reader.GetFieldValue<byte[]>(15)),
        };
    }

    // A range task may run, commit and finish only while its export runs: a cancelled, failed or deleted export stops them.
    private string ParentRunning(string alias) =>
        $"({alias}.parent_id IS NULL OR EXISTS (SELECT 1 FROM {_table} AS p WHERE p.id = {alias}.parent_id AND p.status = 'IN_PROGRESS'))";

    // The range task a chunk name belongs to: part-00003-00001.csv is task 3's; part-00001.csv is the export's own (0).
    // Jobs with their result's chunk lists: the rows, then the lists of all of them in one more query, both in one snapshot.
    private async Task<List<ExportJob>> QueryJobsAsync(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        var jobs = new List<(ExportJob, int?)>();
        NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(
                System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var command = new NpgsqlCommand(sql, connection, transaction);
                await using (command.ConfigureAwait(false))
                {
                    command.Parameters.AddRange(parameters);
                    NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            jobs.Add((ReadJob(reader), PublishedCount(reader)));
                        }
                    }
                }

                List<ExportJob> filled = await _published.FillAsync(connection, transaction, jobs, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return filled;
            }
        }
    }

    private static int? PublishedCount(NpgsqlDataReader reader) => reader.IsDBNull(PublishedColumn) ? null : reader.GetInt32(PublishedColumn);

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        var command = _dataSource.CreateCommand(sql);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddRange(parameters);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<T> ScalarAsync<T>(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        var command = _dataSource.CreateCommand(sql);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddRange(parameters);
            return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }

    private static DateTimeOffset Milliseconds(DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    private static NpgsqlParameter Text(string value) => new NpgsqlParameter<string> { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Json(byte[] utf8) => JsonText(System.Text.Encoding.UTF8.GetString(utf8));

    private static NpgsqlParameter JsonText(string json) => new NpgsqlParameter<string> { TypedValue = json, NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static NpgsqlParameter Int64(long value) => new NpgsqlParameter<long> { TypedValue = value };

    private static NpgsqlParameter Bool(bool value) => new NpgsqlParameter<bool> { TypedValue = value };

    private static NpgsqlParameter OptionalText(string? value) => value is not null
        ? Text(value)
        : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Interval(TimeSpan value) => new NpgsqlParameter<TimeSpan> { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Interval };

    private static NpgsqlParameter Int32(int value) => new NpgsqlParameter<int> { TypedValue = value };

    private static NpgsqlParameter OptionalInt32(int? value) => value is { } v
        ? Int32(v)
        : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer };

    private static NpgsqlParameter OptionalInt64(long? value) => value is { } v
        ? Int64(v)
        : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint };

    private static NpgsqlParameter Instant(DateTimeOffset value) =>
        new NpgsqlParameter<DateTime> { TypedValue = value.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}

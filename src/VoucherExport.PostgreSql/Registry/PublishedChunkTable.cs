using Npgsql;
using NpgsqlTypes;
using VoucherExport.Chunks;
using VoucherExport.Registry;

namespace VoucherExport.PostgreSql;

/// <summary>
/// The chunk list of finished exports, one row per published chunk in <c>{table}_published</c> (see <c>voucher_exports.sql</c>),
/// so an export's own row stays the same size at 1 chunk and at 100,000. The export's <c>result_chunks</c> column says how
/// many rows its list has; null means its <c>export</c> JSON still holds the list (rows stored before this table, and
/// exports without a result).
/// </summary>
internal sealed class PublishedChunkTable(string qualifiedName)
{
    /// <summary>
    /// <paramref name="export"/> as its row stores it: a result's chunk list moves to <paramref name="chunks"/> (null when
    /// there is no result, and the JSON is stored as it is).
    /// </summary>
    public static ExportObject Split(ExportObject export, out IReadOnlyList<ExportChunk>? chunks)
    {
        if (export.Result is not { } result)
        {
            chunks = null;
            return export;
        }

        chunks = result.Chunks;
        return export with { Result = result with { Chunks = [] } };
    }

    /// <summary>Writes <paramref name="chunks"/> as the list of <paramref name="exportId"/>, in one statement of <paramref name="transaction"/>.</summary>
    public async Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string exportId, IReadOnlyList<ExportChunk> chunks,
        CancellationToken cancellationToken)
    {
        if (chunks.Count == 0)
        {
            return;
        }

        // Columns as arrays, unnested in order: one round trip however long the list. Values are kept as the export's
        // JSON keeps them (timestamps to the millisecond, the CSV size only for a compressed chunk), so a list reads back
        // exactly as it did from the JSON.
        var names = new string[chunks.Count];
        var urls = new string?[chunks.Count];
        var rows = new long[chunks.Count];
        var bytes = new long[chunks.Count];
        var uncompressed = new long?[chunks.Count];
        var sha256 = new string[chunks.Count];
        var first = new DateTime?[chunks.Count];
        var last = new DateTime?[chunks.Count];
        var oversize = new bool[chunks.Count];
        for (int i = 0; i < chunks.Count; i++)
        {
            ChunkInfo info = chunks[i].Info;
            names[i] = info.Name;
            urls[i] = chunks[i].Url;
            rows[i] = info.Rows;
            bytes[i] = info.Bytes;
            uncompressed[i] = info.IsGzip ? info.CsvBytes : null;
            sha256[i] = info.Sha256;
            first[i] = Milliseconds(info.FirstCreatedAt);
            last[i] = Milliseconds(info.LastCreatedAt);
            oversize[i] = info.Oversize;
        }

        var insert = new NpgsqlCommand(
            $"INSERT INTO {qualifiedName} (export_id, position, name, url, rows, bytes, uncompressed_bytes, sha256, "
            + "first_created_at, last_created_at, oversize) "
            + "SELECT $1, c.position, c.name, c.url, c.rows, c.bytes, c.uncompressed_bytes, c.sha256, c.first_created_at, "
            + "c.last_created_at, c.oversize "
            + "FROM unnest($2, $3, $4, $5, $6, $7, $8, $9, $10) WITH ORDINALITY "
            + "AS c (name, url, rows, bytes, uncompressed_bytes, sha256, first_created_at, last_created_at, oversize, position)",
            connection, transaction);
        await using (insert.ConfigureAwait(false))
        {
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = exportId, NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.Add(Array(names, NpgsqlDbType.Text));
            insert.Parameters.Add(Array(urls, NpgsqlDbType.Text));
            insert.Parameters.Add(Array(rows, NpgsqlDbType.Bigint));
            insert.Parameters.Add(Array(bytes, NpgsqlDbType.Bigint));
            insert.Parameters.Add(Array(uncompressed, NpgsqlDbType.Bigint));
            insert.Parameters.Add(Array(sha256, NpgsqlDbType.Text));
            insert.Parameters.Add(Array(first, NpgsqlDbType.TimestampTz));
            insert.Parameters.Add(Array(last, NpgsqlDbType.TimestampTz));
            insert.Parameters.Add(Array(oversize, NpgsqlDbType.Boolean));
            int inserted = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (inserted != chunks.Count)
            {
                throw new InvalidOperationException($"export {exportId}: stored {inserted} of its {chunks.Count} published chunks");
            }
        }
    }

    /// <summary>
    /// <paramref name="jobs"/> with their chunk lists put back, read in one query for all of them. Each job comes with its
    /// row's <c>result_chunks</c>: null leaves the job as its JSON read.
    /// </summary>
    public async Task<List<ExportJob>> FillAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<(ExportJob Job, int? Published)> jobs,
        CancellationToken cancellationToken)
    {
        string[] ids = [.. jobs.Where(j => j.Published > 0).Select(j => j.Job.Export.Id)];
        var lists = new Dictionary<string, List<ExportChunk>>(StringComparer.Ordinal);
        if (ids.Length > 0)
        {
            var select = new NpgsqlCommand(
                "SELECT export_id, name, url, rows, bytes, uncompressed_bytes, sha256, first_created_at, last_created_at, oversize "
                + $"FROM {qualifiedName} WHERE export_id = ANY($1) ORDER BY export_id, position", connection, transaction);
            await using (select.ConfigureAwait(false))
            {
                select.Parameters.Add(Array(ids, NpgsqlDbType.Text));
                NpgsqlDataReader reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        string id = reader.GetString(0);
                        if (!lists.TryGetValue(id, out List<ExportChunk>? list))
                        {
                            lists[id] = list = [];
                        }

                        list.Add(ReadChunk(reader));
                    }
                }
            }
        }

        var filled = new List<ExportJob>(jobs.Count);
        foreach ((ExportJob job, int? published) in jobs)
        {
            if (published is not { } count || job.Export.Result is not { } result)
            {
                filled.Add(job);
                continue;
            }

            List<ExportChunk> list = lists.GetValueOrDefault(job.Export.Id) ?? [];
            if (list.Count != count)
            {
                // Written with the final state in one transaction and removed only with the export: a reader in one snapshot
                // never sees a part of it.
                throw new InvalidOperationException(
                    $"export {job.Export.Id}: {count} published chunks expected in {qualifiedName}, {list.Count} found");
            }

            filled.Add(job with { Export = job.Export with { Result = result with { Chunks = list } } });
        }

        return filled;
    }

    private static ExportChunk ReadChunk(NpgsqlDataReader reader)
    {
        var info = new ChunkInfo(
            reader.GetString(1), reader.GetInt64(3), reader.GetInt64(4), reader.GetString(6),
            OptionalInstant(reader, 7), OptionalInstant(reader, 8), reader.GetBoolean(9))
        {
            UncompressedBytes = reader.IsDBNull(5) ? null : reader.GetInt64(5),
        };
        return new ExportChunk(info, reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    private static DateTimeOffset? OptionalInstant(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(ordinal).Ticks, TimeSpan.Zero);

    // As the export's JSON writes a timestamp: UTC, cut to the millisecond.
    private static DateTime? Milliseconds(DateTimeOffset? value) => value is { } v
        ? new DateTime(v.UtcTicks - v.UtcTicks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc)
        : null;

    private static NpgsqlParameter Array<T>(T[] values, NpgsqlDbType element) =>
        new NpgsqlParameter<T[]> { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | element };
}

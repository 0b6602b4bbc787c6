using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using VoucherExport.Chunks;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Registry;

namespace VoucherExport.Server;

/// <summary>
/// The download side of SPEC §6: the whole export as one CSV (<c>GET /v1/exports/{id}?token=…</c>, also
/// <c>/v1/exports/{id}/download?token=…</c>) and each chunk alone (<c>/v1/exports/{id}/chunks/{n}?token=…</c>). The signed token
/// is the only credential; both answer <c>Range</c>, <c>If-Range</c> and <c>If-None-Match</c> through ASP.NET's file results.
/// </summary>
internal sealed partial class DownloadApi(ExportRegistry registry, DownloadTokens tokens, ILogger<DownloadApi> logger)
{
    public const string CsvContentType = "text/csv; charset=utf-8";

    /// <summary>The type of a gzip-compressed chunk, served as stored (not as a transfer encoding), so its checksum holds.</summary>
    public const string GzipContentType = "application/gzip";

    /// <summary>
    /// The whole export: the chunks in order with each repeated header dropped. Compressed chunks are decompressed on
    /// the way, so the whole export is the same CSV whether its chunks are stored compressed or not.
    /// </summary>
    public async Task<IResult> ExportAsync(HttpContext context, string exportId)
    {
        using var scope = ServerLog.ExportScope(logger, exportId);
        var (job, result) = await FindAsync(context, exportId).ConfigureAwait(false);
        int preamble = new CsvRecordWriter(job.Csv, job.Export.Parameters.Fields).Preamble.Length;
        ChunkInfo[] chunks = [.. result.Chunks.Select(c => c.Info)];
        var stream = new ConcatenatedChunkStream(registry.Sinks.Create(exportId), chunks, preamble);
        LogDownload(logger, "the whole export", context.Request.Headers.Range.ToString());
        NoStore(context);
        return Results.Stream(stream, CsvContentType, $"{exportId}.csv", entityTag: WholeExportTag(chunks), enableRangeProcessing: true);
    }

    /// <summary>One chunk, 1-based.</summary>
    public async Task<IResult> ChunkAsync(HttpContext context, string exportId, string number)
    {
        using var scope = ServerLog.ExportScope(logger, exportId);
        var (_, result) = await FindAsync(context, exportId).ConfigureAwait(false);
        if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || n > result.Chunks.Count)
        {
            throw new ApiException(new VoucherifyError(404, "not_found", "Resource not found",
                $"Cannot find chunk {number} of export {exportId}; it has chunks 1 to {result.Chunks.Count}") { ResourceType = "chunk" });
        }

        ChunkInfo chunk = result.Chunks[n - 1].Info;
        Stream stream;
        try
        {
            stream = await registry.Sinks.Create(exportId).OpenReadAsync(chunk.Name, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // Deleted between the lookup and the open.
            throw ApiException.ExportNotFound(exportId);
        }

        if (!stream.CanSeek)
        {
            // A store's stream (S3) cannot seek; ranges then read through one that reopens the chunk at the asked offset.
            await stream.DisposeAsync().ConfigureAwait(false);
            stream = new ConcatenatedChunkStream(registry.Sinks.Create(exportId), [chunk], preambleLength: 0, asStored: true);
        }

        LogDownload(logger, chunk.Name, context.Request.Headers.Range.ToString());
        NoStore(context);
        return Results.Stream(stream, chunk.IsGzip ? GzipContentType : CsvContentType, $"{exportId}-{chunk.Name}",
            entityTag: new EntityTagHeaderValue($"\"{chunk.Sha256}\""), enableRangeProcessing: true);
    }

    private async Task<(ExportJob Job, ExportResultInfo Result)> FindAsync(HttpContext context, string exportId)
    {
        if (!ExportIds.IsWellFormed(exportId))
        {
            throw ApiException.ExportNotFound(exportId);
        }

        var token = context.Request.Query["token"];
        if (token.Count > 1)
        {
            throw ApiException.Unauthorized("the token query parameter is given more than once");
        }

        if (!tokens.TryVerify(token.ToString(), exportId, out string app, out string problem))
        {
            LogRejected(logger, problem);
            throw ApiException.Unauthorized(problem);
        }

        ExportJob job = await registry.GetJobAsync(app, exportId, context.RequestAborted).ConfigureAwait(false)
            ?? throw ApiException.ExportNotFound(exportId);
        if (job.Export is not { Status: ExportStatus.Done, Result: { } result })
        {
            throw new ApiException(VoucherifyError.NotFound("export", exportId) with
            {
                Details = $"export {exportId} is {ExportStateMachine.Name(job.Export.Status)}; only a DONE export can be downloaded",
            });
        }

        return (job, result);
    }

    // The whole file has no stored hash of its own; one over the chunk hashes changes exactly when any chunk does.
    private static EntityTagHeaderValue WholeExportTag(ChunkInfo[] chunks)
    {
        byte[] digest = SHA256.HashData(Encoding.ASCII.GetBytes(string.Join(',', chunks.Select(c => c.Sha256))));
        return new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(digest)}\"");
    }

    // The URL is a credential and the rows may be personal data: no shared cache may keep them.
    private static void NoStore(HttpContext context) => context.Response.Headers.CacheControl = "private, no-store";

    [LoggerMessage(Level = LogLevel.Information, Message = "Download of {What} (Range: {Range})")]
    private static partial void LogDownload(ILogger logger, string what, string range);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Download refused: {Problem}")]
    private static partial void LogRejected(ILogger logger, string problem);
}

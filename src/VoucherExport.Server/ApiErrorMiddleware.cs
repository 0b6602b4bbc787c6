using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using VoucherExport.Parameters;
using VoucherExport.Registry;

namespace VoucherExport.Server;

/// <summary>
/// Turns every failure into Voucherify's error body <c>{ code, key, message, details, request_id }</c>: the errors handlers
/// throw, Kestrel's bad requests, and (without details, which go to the log) anything unexpected.
/// </summary>
internal sealed partial class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // Voucherify's form, e.g. v-0a885062c80375740f (exports.json, Error.request_id): "v-" and 18 hex digits, here random.
        context.TraceIdentifier = "v-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(9));
        context.Response.Headers["X-Request-Id"] = context.TraceIdentifier;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            await WriteAsync(context, e.Error).ConfigureAwait(false);
        }
        catch (ExportValidationException e)
        {
            await WriteAsync(context, e.Error).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            await WriteAsync(context, VoucherifyError.InvalidPayload("request", e.Message)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogUnexpected(logger, e, context.Request.Method, context.Request.Path, context.TraceIdentifier);
            if (context.Response.HasStarted)
            {
                // Half a body is on the wire: cutting the connection is the only honest signal left.
                context.Abort();
                return;
            }

            await WriteAsync(context, new VoucherifyError(500, "internal_error", "Internal server error",
                $"the server failed on this request; its log has the cause under request id {context.TraceIdentifier}")).ConfigureAwait(false);
        }
    }

    /// <summary>Writes <paramref name="error"/> with the request id, unless the response has already started.</summary>
    public static async Task WriteAsync(HttpContext context, VoucherifyError error)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }

        context.Response.Clear();
        context.Response.Headers["X-Request-Id"] = context.TraceIdentifier;
        if (error.Code == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        byte[] body = ExportJson.ErrorToUtf8(error with { RequestId = context.TraceIdentifier });
        await new JsonBodyResult(body, error.Code).ExecuteAsync(context).ConfigureAwait(false);
    }

    // The request id is in the message: ASP.NET's own log scope took Kestrel's id before this middleware set Voucherify's form.
    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure on {Method} {Path} (request id {RequestId})")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, PathString path, string requestId);
}

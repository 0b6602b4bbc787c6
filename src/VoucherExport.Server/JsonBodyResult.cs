using Microsoft.AspNetCore.Http;

namespace VoucherExport.Server;

/// <summary>A ready UTF-8 JSON body with a status code (the bodies are built with <c>Utf8JsonWriter</c>, not a serializer).</summary>
internal sealed class JsonBodyResult(byte[] body, int statusCode = StatusCodes.Status200OK) : IResult
{
    public const string ContentType = "application/json; charset=utf-8";

    public byte[] Body { get; } = body;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = statusCode;
        httpContext.Response.ContentType = ContentType;
        httpContext.Response.ContentLength = Body.Length;
        await httpContext.Response.Body.WriteAsync(Body, httpContext.RequestAborted).ConfigureAwait(false);
    }
}

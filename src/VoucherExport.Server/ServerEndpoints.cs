using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using VoucherExport.Parameters;

namespace VoucherExport.Server;

/// <summary>The routes of SPEC §6, plus <c>GET /health</c>.</summary>
internal static class ServerEndpoints
{
    private static readonly string[] s_getAndHead = [HttpMethods.Get, HttpMethods.Head];

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/vouchers/{code}/transactions/export",
            (HttpContext context, string code, ExportApi api) => api.CreateForVoucherAsync(context, code));
        routes.MapPost("/v1/campaigns/{campaignId}/transactions/export",
            (HttpContext context, string campaignId, ExportApi api) => api.CreateForCampaignAsync(context, campaignId));
        routes.MapPost("/v1/loyalties/{campaignId}/transactions/export",
            (HttpContext context, string campaignId, ExportApi api) => api.CreateForLoyaltyCampaignAsync(context, campaignId));
        routes.MapPost("/v1/loyalties/{campaignId}/members/{memberId}/transactions/export",
            (HttpContext context, string campaignId, string memberId, ExportApi api) => api.CreateForMemberAsync(context, campaignId, memberId));
        routes.MapPost("/v1/loyalties/members/{memberId}/transactions/export",
            (HttpContext context, string memberId, ExportApi api) => api.CreateForMemberAsync(context, null, memberId));
        routes.MapPost("/v1/exports", (HttpContext context, ExportApi api) => api.CreateGenericAsync(context));

        routes.MapGet("/v1/exports", (HttpContext context, ExportApi api) => api.ListAsync(context));

        // With a token the request is a download (the token is its only credential); without one it is the API's GET.
        routes.MapMethods("/v1/exports/{id}", s_getAndHead, (HttpContext context, string id, ExportApi api, DownloadApi downloads) =>
            context.Request.Query.ContainsKey("token") ? downloads.ExportAsync(context, id) : api.GetAsync(context, id));
        routes.MapMethods("/v1/exports/{id}/download", s_getAndHead,
            (HttpContext context, string id, DownloadApi downloads) => downloads.ExportAsync(context, id));
        routes.MapMethods("/v1/exports/{id}/chunks/{n}", s_getAndHead,
            (HttpContext context, string id, string n, DownloadApi downloads) => downloads.ChunkAsync(context, id, n));
        routes.MapDelete("/v1/exports/{id}", (HttpContext context, string id, ExportApi api) => api.DeleteAsync(context, id));

        OAuth.OAuthApi.Map(routes);
        routes.MapGet("/health", () => new JsonBodyResult("{\"status\":\"ok\"}"u8.ToArray()));
    }

    /// <summary>A JSON error for answers that have no body of their own: unknown routes (404), wrong methods (405).</summary>
    public static Task WriteStatusAsync(HttpContext context)
    {
        int status = context.Response.StatusCode;
        var error = status switch
        {
            StatusCodes.Status404NotFound => new VoucherifyError(404, "not_found", "Resource not found",
                $"no resource at {context.Request.Method} {context.Request.Path}"),
            StatusCodes.Status405MethodNotAllowed => new VoucherifyError(405, "method_not_allowed", "Method not allowed",
                $"{context.Request.Path} does not answer {context.Request.Method}"),
            _ => new VoucherifyError(status, "http_" + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ReasonPhrase(status), null),
        };
        return ApiErrorMiddleware.WriteAsync(context, error);
    }

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}

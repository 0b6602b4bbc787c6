namespace VoucherExport.Parameters;

/// <summary>An error in Voucherify's shape: <c>{ code, key, message, details, request_id }</c>.</summary>
/// <param name="Code">The HTTP status it maps to, e.g. 400.</param>
/// <param name="Key">The error key, e.g. <c>invalid_payload</c>.</param>
/// <param name="Message">A short human sentence.</param>
/// <param name="Details">What exactly was wrong and where (names the JSON path).</param>
public sealed record VoucherifyError(int Code, string Key, string Message, string? Details)
{
    /// <summary>A request id, set by hosts that have one.</summary>
    public string? RequestId { get; init; }

    /// <summary>On a 404: the id of the resource that was not found, as the request named it (Voucherify's <c>resource_id</c>).</summary>
    public string? ResourceId { get; init; }

    /// <summary>For APIs resources: the kind of resource that was not found (e.g. <c>export</c>).</summary>
    public string? ResourceType { get; init; }

    /// <summary>400 <c>invalid_payload</c> naming <paramref name="path"/>.</summary>
    public static VoucherifyError InvalidPayload(string path, string problem) =>
        new(400, "invalid_payload", "Invalid payload", $"{path}: {problem}");

    /// <summary>400 <c>invalid_export_fields</c>.</summary>
    public static VoucherifyError InvalidExportFields(string path, string problem) =>
        new(400, "invalid_export_fields", "Invalid export fields",
            $"{path}: {problem}. Allowed fields: {TransactionFields.AllowedList}");

    /// <summary>404 <c>not_found</c> for a resource of <paramref name="resourceType"/>.</summary>
    public static VoucherifyError NotFound(string resourceType, string id) =>
        new(404, "not_found", "Resource not found", $"Cannot find {resourceType} with id {id}") { ResourceId = id, ResourceType = resourceType };
}

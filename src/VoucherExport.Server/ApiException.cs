using VoucherExport.Parameters;

namespace VoucherExport.Server;

/// <summary>Ends a request with <see cref="Error"/> as the JSON error body; thrown by handlers, answered by <see cref="ApiErrorMiddleware"/>.</summary>
internal sealed class ApiException(VoucherifyError error) : Exception($"{error.Key}: {error.Details ?? error.Message}")
{
    public VoucherifyError Error { get; } = error;

    public static ApiException Unauthorized(string details) => new(new VoucherifyError(401, "unauthorized", "Unauthorized", details));

    public static ApiException InvalidPayload(string path, string problem) => new(VoucherifyError.InvalidPayload(path, problem));

    public static ApiException ExportNotFound(string exportId) => new(VoucherifyError.NotFound("export", exportId));
}

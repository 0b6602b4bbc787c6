using Microsoft.Extensions.Logging;

namespace VoucherExport.Server;

/// <summary>The log scope every line about one export is written in, so the export id is on each of them.</summary>
internal static class ServerLog
{
    private static readonly Func<ILogger, string, IDisposable?> s_exportScope =
        LoggerMessage.DefineScope<string>("ExportId:{ExportId}");

    public static IDisposable? ExportScope(ILogger logger, string exportId) => s_exportScope(logger, exportId);
}

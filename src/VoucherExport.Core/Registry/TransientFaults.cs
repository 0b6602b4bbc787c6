using System.Data.Common;

namespace VoucherExport.Registry;

/// <summary>
/// Tells faults worth a retry (the network, a store that timed out or dropped the connection) from faults a rerun would
/// only repeat (bad input, a full disk, a missing file, a bug).
/// </summary>
/// <remarks>
/// Transient: an exception marked so by <see cref="Mark"/> (sources and sinks that know, e.g. an S3 5xx), a
/// <see cref="TransientExportException"/>, a <see cref="DbException"/> whose <see cref="DbException.IsTransient"/> says
/// so (Npgsql sets it for lost connections and timeouts), a <see cref="TimeoutException"/>, and a plain
/// <see cref="IOException"/> other than a full disk or a missing path. The exception and its inner exceptions are
/// looked at, so a wrapped timeout counts; a mark on the outermost exception decides first.
/// </remarks>
public static class TransientFaults
{
    private const string MarkKey = "VoucherExport.Transient";

    // ENOSPC and EDQUOT (Unix errno as .NET reports it), ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL (Windows).
    private static readonly int[] s_diskFull = [28, 122, unchecked((int)0x80070070), unchecked((int)0x80070027)];

    /// <summary>Marks <paramref name="exception"/> as worth a retry or not, overriding the rules; returns it.</summary>
    public static TException Mark<TException>(TException exception, bool transient)
        where TException : Exception
    {
        ArgumentNullException.ThrowIfNull(exception);
        exception.Data[MarkKey] = transient;
        return exception;
    }

    /// <summary>Whether a rerun of the export may succeed where <paramref name="exception"/> made it fail.</summary>
    public static bool IsTransient(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e.Data[MarkKey] is bool marked)
            {
                return marked;
            }

            switch (e)
            {
                case TransientExportException or TimeoutException:
                case DbException { IsTransient: true }:
                    return true;
                case IOException io when IsPermanent(io):
                    return false;
            }
        }

        // Only a plain I/O failure with nothing permanent found inside it: a reset connection, a busy store.
        return exception is IOException;
    }

    /// <summary>Whether an I/O failure is one a rerun repeats: a full disk or quota, a path that does not exist.</summary>
    public static bool IsDiskFull(IOException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return s_diskFull.Contains(exception.HResult)
            || exception.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
            || exception.Message.Contains("not enough space", StringComparison.OrdinalIgnoreCase)
            || exception.Message.Contains("quota exceeded", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsPermanent(IOException io) =>
        io is FileNotFoundException or DirectoryNotFoundException or PathTooLongException or DriveNotFoundException
            or FileLoadException or EndOfStreamException
        || IsDiskFull(io);
}

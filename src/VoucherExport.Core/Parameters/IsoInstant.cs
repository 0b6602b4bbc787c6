using System.Globalization;

namespace VoucherExport.Parameters;

/// <summary>Reads and writes the ISO 8601 instants of date filter operands.</summary>
internal static class IsoInstant
{
    // Exact formats rather than DateTimeOffset.TryParse, which would also take "5/16/2023" or "May 16";
    // "K" takes "Z", "+02:00" or nothing, and nothing means UTC.
    private static readonly string[] s_formats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    private const string MillisecondFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
    private const string TickFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    /// <summary>Parses an ISO 8601 date or date-time into a UTC instant.</summary>
    public static bool TryParse(string text, out DateTimeOffset instant)
    {
        // The exact formats accept "…:21." with no digits after the point; ISO 8601 does not.
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0 && (dot + 1 == text.Length || !char.IsAsciiDigit(text[dot + 1])))
        {
            instant = default;
            return false;
        }

        if (!DateTimeOffset.TryParseExact(
                text, s_formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant))
        {
            return false;
        }

        instant = instant.ToUniversalTime();
        return true;
    }

    /// <summary>
    /// Formats an instant the way every timestamp of the API looks (<c>2023-05-16T08:30:21.496Z</c>);
    /// an instant finer than a millisecond keeps all seven digits, so that writing never changes a filter.
    /// </summary>
    public static string Format(DateTimeOffset instant)
    {
        var utc = instant.UtcDateTime;
        string format = utc.Ticks % TimeSpan.TicksPerMillisecond == 0 ? MillisecondFormat : TickFormat;
        return utc.ToString(format, CultureInfo.InvariantCulture);
    }
}

using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace VoucherExport.Server.Operations;

/// <summary>Reads the operations keys (<c>Console:*</c>, <c>Health:*</c>, <c>OpenTelemetry:*</c>) with errors that name the key.</summary>
internal static class OperationsSettings
{
    public static string? Text(IConfiguration configuration, string key)
    {
        string? value = configuration[key];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public static TimeSpan TimeSpanOf(IConfiguration configuration, string key, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        if (Text(configuration, key) is not { } text)
        {
            return fallback;
        }

        if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan value))
        {
            throw new ServerConfigurationException(key, $"'{text}' is not a time span such as 00:02:00");
        }

        return value >= min && value <= max
            ? value
            : throw new ServerConfigurationException(key, $"{value} is outside {min}..{max}");
    }

    public static int IntOf(IConfiguration configuration, string key, int fallback, int min, int max)
    {
        if (Text(configuration, key) is not { } text)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new ServerConfigurationException(key, $"'{text}' is not a whole number from {min} to {max}");
    }

    public static Uri? AbsoluteUriOf(IConfiguration configuration, string key, params string[] schemes)
    {
        if (Text(configuration, key) is not { } text)
        {
            return null;
        }

        return Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase)
            ? uri
            : throw new ServerConfigurationException(key, $"'{text}' is not an absolute {string.Join(" or ", schemes)} URL");
    }
}

using System.Globalization;

namespace VoucherExport.Transactions;

/// <summary>
/// The ISO 8601 timestamps of ledgers: <c>yyyy-MM-dd[Thh:mm[:ss[.fffffff]]][Z|±hh[:]mm|±hh]</c>.
/// One parser for JSON and CSV, so both ledgers accept exactly the same text; no offset means UTC.
/// </summary>
internal static class Iso8601
{
    /// <summary>The length of <see cref="FormatUtc"/>'s output.</summary>
    public const int UtcMillisecondsLength = 24;

    /// <summary>Parses <paramref name="utf8"/> into a UTC timestamp (offset zero).</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out DateTimeOffset value)
    {
        value = default;
        if (utf8.Length < 10
            || !TryDigits(utf8[..4], out int year) || utf8[4] != '-'
            || !TryDigits(utf8.Slice(5, 2), out int month) || utf8[7] != '-'
            || !TryDigits(utf8.Slice(8, 2), out int day)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        long ticks = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc).Ticks;
        int i = 10;
        bool hasTime = i < utf8.Length && utf8[i] is (byte)'T' or (byte)'t' or (byte)' ';
        if (hasTime)
        {
            // A time part needs at least hh:mm.
            if (utf8.Length < i + 6
                || !TryDigits(utf8.Slice(i + 1, 2), out int hour) || utf8[i + 3] != ':'
                || !TryDigits(utf8.Slice(i + 4, 2), out int minute)
                || hour > 23 || minute > 59)
            {
                return false;
            }

            ticks += (hour * 60L + minute) * TimeSpan.TicksPerMinute;
            i += 6;
            if (i < utf8.Length && utf8[i] == ':')
            {
                if (utf8.Length < i + 3 || !TryDigits(utf8.Slice(i + 1, 2), out int second) || second > 59)
                {
                    return false;
                }

                ticks += second * TimeSpan.TicksPerSecond;
                i += 3;
                if (i < utf8.Length && utf8[i] is (byte)'.' or (byte)',')
                {
                    i++;
                    int start = i;
                    long fraction = 0;
                    int scale = 0;
                    while (i < utf8.Length && (uint)(utf8[i] - '0') <= 9)
                    {
                        // Digits past the 7th (100 ns) cannot be held; they are dropped, not rounded.
                        if (scale < 7)
                        {
                            fraction = fraction * 10 + (utf8[i] - '0');
                            scale++;
                        }

                        i++;
                    }

                    if (i == start)
                    {
                        return false;
                    }

                    for (; scale < 7; scale++)
                    {
                        fraction *= 10;
                    }

                    ticks += fraction;
                }
            }
        }

        long offsetTicks = 0;

        // A zone only makes sense after a time: "2024-01-01Z" is not ISO 8601.
        if (hasTime && i < utf8.Length)
        {
            byte sign = utf8[i];
            if (sign is (byte)'Z' or (byte)'z')
            {
                i++;
            }
            else if (sign is (byte)'+' or (byte)'-')
            {
                if (!TryOffset(utf8[(i + 1)..], out int offsetMinutes, out int used) || offsetMinutes > 14 * 60)
                {
                    return false;
                }

                offsetTicks = (sign == '-' ? -offsetMinutes : offsetMinutes) * TimeSpan.TicksPerMinute;
                i += 1 + used;
            }
        }

        if (i != utf8.Length)
        {
            return false;
        }

        long utcTicks = ticks - offsetTicks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        value = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        return true;
    }

    /// <summary>Parses UTF-16 text (a CSV cell); timestamps are ASCII, so anything longer than 64 chars is not one.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        Span<byte> utf8 = stackalloc byte[64];
        if (text.Length > utf8.Length)
        {
            value = default;
            return false;
        }

        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] > 127)
            {
                value = default;
                return false;
            }

            utf8[i] = (byte)text[i];
        }

        return TryParse(utf8[..text.Length], out value);
    }

    /// <summary>Writes <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> in UTC; sub-millisecond ticks are dropped.</summary>
    public static int FormatUtc(DateTimeOffset value, Span<byte> destination)
    {
        bool ok = value.UtcDateTime.TryFormat(
            destination, out int written, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);
        if (!ok)
        {
            throw new ArgumentException("The destination is too small for a timestamp.", nameof(destination));
        }

        return written;
    }

    private static bool TryDigits(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        foreach (byte b in digits)
        {
            uint d = (uint)(b - '0');
            if (d > 9)
            {
                return false;
            }

            value = value * 10 + (int)d;
        }

        return true;
    }

    private static bool TryOffset(ReadOnlySpan<byte> utf8, out int minutes, out int used)
    {
        minutes = 0;
        used = 0;
        if (utf8.Length < 2 || !TryDigits(utf8[..2], out int hours))
        {
            return false;
        }

        used = 2;
        int mins = 0;
        if (utf8.Length >= 5 && utf8[2] == ':')
        {
            if (!TryDigits(utf8.Slice(3, 2), out mins))
            {
                return false;
            }

            used = 5;
        }
        else if (utf8.Length >= 4)
        {
            if (!TryDigits(utf8.Slice(2, 2), out mins))
            {
                return false;
            }

            used = 4;
        }

        minutes = hours * 60 + mins;
        return mins <= 59;
    }
}

namespace VoucherExport.Chunks;

/// <summary>
/// The names a sink accepts. Sinks check every name they are given, so a name from a request can never reach
/// outside an export's folder or prefix.
/// </summary>
internal static class ChunkNames
{
    /// <summary>The manifest's name beside the chunks.</summary>
    public const string Manifest = "manifest.json";

    /// <summary>Export ids become folder names and key prefixes; longer ids are not ours and would strain path limits.</summary>
    public const int MaxExportIdLength = 128;

    /// <summary>The suffix of a gzip-compressed chunk.</summary>
    public const string GzipSuffix = ".csv.gz";

    /// <summary>The most chunks whose names are five digits; later names carry a digit-count letter.</summary>
    public const int MaxFiveDigitIndex = 99_999;

    /// <summary>The most range tasks one export splits into (their number is five digits in chunk names).</summary>
    public const int MaxRangeTasks = 99_999;

    /// <summary>
    /// The stem of chunk <paramref name="index"/> of range task <paramref name="task"/> (0: an export that is not split):
    /// <c>part-00003-00001</c>, so that the chunks of all tasks sort in export order, task by task.
    /// </summary>
    public static string Stem(int index, int task)
    {
        if (task == 0)
        {
            return Stem(index);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(task, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(task, MaxRangeTasks);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"part-{task:D5}-{Stem(index).AsSpan(5)}");
    }

    /// <summary><c>part-00001</c> … <c>part-99999</c>, then <c>part-a100000</c>, <c>part-b1000000</c>, … (see <see cref="ChunkInfo.NameFor(int)"/>).</summary>
    public static string Stem(int index)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        if (index <= MaxFiveDigitIndex)
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"part-{index:D5}");
        }

        int digits = index.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"part-{(char)('a' + digits - 6)}{index}");
    }

    /// <summary>
    /// Whether <paramref name="name"/> is a chunk name: <c>part-</c>, an optional range task (five digits and <c>-</c>),
    /// five or more digits (or a letter <c>a</c>–<c>e</c> and six to ten digits, as <see cref="Stem(int)"/> writes past
    /// 99,999), <c>.csv</c> or <c>.csv.gz</c>.
    /// </summary>
    public static bool IsChunk(ReadOnlySpan<char> name) => TryParse(name, out _, out _);

    /// <summary>
    /// Reads a chunk name: its range <paramref name="task"/> (0 when the export is not split) and its 1-based
    /// <paramref name="index"/> within it. False when <paramref name="name"/> is not a chunk name.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> name, out int task, out int index)
    {
        task = 0;
        index = 0;
        if (name.EndsWith(".gz", StringComparison.Ordinal))
        {
            name = name[..^3];
        }

        if (!name.StartsWith("part-", StringComparison.Ordinal) || !name.EndsWith(".csv", StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> digits = name[5..^4];
        if (digits.Length > 6 && digits[5] == '-')
        {
            // A range task's chunk: part-TTTTT-NNNNN.
            if (digits[..5].ContainsAnyExceptInRange('0', '9') || !int.TryParse(digits[..5], out task) || task < 1)
            {
                return false;
            }

            digits = digits[6..];
        }

        if (digits.Length > 0 && digits[0] is >= 'a' and <= 'e')
        {
            // The letter names the digit count, and the number must need all of them (no padding, no leading zero).
            int count = digits[0] - 'a' + 6;
            digits = digits[1..];
            return digits.Length == count && digits[0] != '0' && !digits.ContainsAnyExceptInRange('0', '9')
                && int.TryParse(digits, out index);
        }

        return digits.Length >= 5 && !digits.ContainsAnyExceptInRange('0', '9') && int.TryParse(digits, out index) && index >= 1;
    }

    /// <summary>
    /// Whether <paramref name="name"/> is the chunk that follows <paramref name="committed"/> committed chunks of the same
    /// sequence (the export's, or one range task's).
    /// </summary>
    public static bool IsNext(string name, int committed) =>
        TryParse(name, out int task, out int index) && index == committed + 1
        && (name == ChunkInfo.NameFor(index, ChunkCompression.None, task) || name == ChunkInfo.NameFor(index, ChunkCompression.Gzip, task));

    /// <summary>Whether the chunk named <paramref name="name"/> is stored gzip-compressed.</summary>
    public static bool IsGzip(ReadOnlySpan<char> name) => name.EndsWith(GzipSuffix, StringComparison.Ordinal);

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is a chunk name.</summary>
    public static void ThrowIfNotChunk(string name, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(name, parameterName);
        if (!IsChunk(name))
        {
            throw new ArgumentException($"'{name}' is not a chunk name (part-00001.csv, part-00001.csv.gz, …)", parameterName);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is a chunk name or the manifest.</summary>
    public static void ThrowIfNotStored(string name, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(name, parameterName);
        if (name != Manifest && !IsChunk(name))
        {
            throw new ArgumentException($"'{name}' is neither a chunk name (part-00001.csv, part-00001.csv.gz, …) nor {Manifest}", parameterName);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="exportId"/> is 1–128 of <c>[A-Za-z0-9_-]</c>.</summary>
    public static void ThrowIfBadExportId(string exportId, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(exportId, parameterName);
        if (exportId.Length is 0 or > MaxExportIdLength || !IsIdText(exportId))
        {
            throw new ArgumentException(
                $"export id '{exportId}' must be 1 to {MaxExportIdLength} characters of A-Z, a-z, 0-9, '_' or '-'", parameterName);
        }
    }

    private static bool IsIdText(string exportId)
    {
        foreach (char c in exportId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}

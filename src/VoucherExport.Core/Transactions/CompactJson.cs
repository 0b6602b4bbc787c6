using System.Text.Json;

namespace VoucherExport.Transactions;

/// <summary>
/// Keeps <c>details</c> compact: the writer emits it raw into CSV cells and JSON, so insignificant whitespace
/// would cost bytes in every export. Tokens are kept exactly as written (escapes and number forms included).
/// </summary>
internal static class CompactJson
{
    private static readonly System.Buffers.SearchValues<byte> s_whitespace = System.Buffers.SearchValues.Create(" \t\r\n"u8);

    /// <summary>A copy of <paramref name="validJson"/> without insignificant whitespace; the input must be valid JSON.</summary>
    public static byte[] ToArray(ReadOnlySpan<byte> validJson)
    {
        if (IsCompact(validJson))
        {
            return validJson.ToArray();
        }

        byte[] buffer = new byte[validJson.Length];
        int length = Minify(validJson, buffer);
        return length == buffer.Length ? buffer : buffer.AsSpan(0, length).ToArray();
    }

    /// <summary><paramref name="validJson"/> itself when already compact, else a compact copy.</summary>
    public static byte[] Compact(byte[] validJson) => IsCompact(validJson) ? validJson : ToArray(validJson);

    /// <summary>Throws <see cref="FormatException"/> unless <paramref name="utf8"/> is exactly one JSON object.</summary>
    public static void ValidateObject(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new FormatException("expected a JSON object");
            }

            reader.Skip();

            // Trailing data after the object makes the reader throw.
            reader.Read();
        }
        catch (JsonException ex)
        {
            throw new FormatException($"invalid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Whether valid JSON holds no whitespace outside strings.</summary>
    public static bool IsCompact(ReadOnlySpan<byte> validJson)
    {
        // One vectorized pass settles the usual case: no whitespace byte at all. Tab, CR and LF cannot occur raw inside
        // a JSON string, so any of them is insignificant whitespace; a space may sit inside a string, so it is looked at.
        int first = validJson.IndexOfAny(s_whitespace);
        if (first < 0)
        {
            return true;
        }

        if (validJson[first] != (byte)' ' || validJson[first..].ContainsAny((byte)'\t', (byte)'\r', (byte)'\n'))
        {
            return false;
        }

        int i = 0;
        while (true)
        {
            int k = validJson[i..].IndexOfAny((byte)' ', (byte)'"');
            if (k < 0)
            {
                return true;
            }

            i += k;
            if (validJson[i] == ' ')
            {
                return false;
            }

            i = SkipString(validJson, i);
        }
    }

    /// <summary>Copies valid JSON without whitespace outside strings; returns the bytes written.</summary>
    public static int Minify(ReadOnlySpan<byte> validJson, Span<byte> destination)
    {
        int written = 0;
        int i = 0;
        while (i < validJson.Length)
        {
            byte b = validJson[i];
            if (b == '"')
            {
                int end = SkipString(validJson, i);
                validJson[i..end].CopyTo(destination[written..]);
                written += end - i;
                i = end;
            }
            else
            {
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                {
                    destination[written++] = b;
                }

                i++;
            }
        }

        return written;
    }

    /// <summary>The index just past the string that opens at <paramref name="quote"/>.</summary>
    private static int SkipString(ReadOnlySpan<byte> validJson, int quote)
    {
        int i = quote + 1;
        while (true)
        {
            i += validJson[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (validJson[i] == '"')
            {
                return i + 1;
            }

            i += 2;
        }
    }
}

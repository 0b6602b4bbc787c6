namespace VoucherExport.PostgreSql;

/// <summary>
/// Compacts the text PostgreSQL writes for a <c>jsonb</c> value (<c>{"a": 1, "b": [1, 2]}</c>) to the compact form the
/// engine keeps <c>details</c> in (<c>{"a":1,"b":[1,2]}</c>), so an export from the table has the same bytes as one
/// from a JSON Lines ledger holding the same JSON.
/// </summary>
internal static class JsonbText
{
    /// <summary>Copies valid JSON without spaces outside strings; returns the bytes written (never more than the input).</summary>
    /// <remarks>jsonb output separates with one space after <c>:</c> and <c>,</c> and holds no tab, CR or LF outside strings.</remarks>
    public static int Compact(ReadOnlySpan<byte> json, Span<byte> destination)
    {
        int written = 0;
        int i = 0;
        while (i < json.Length)
        {
            int k = json[i..].IndexOfAny((byte)'"', (byte)' ');
            if (k < 0)
            {
                json[i..].CopyTo(destination[written..]);
                return written + json.Length - i;
            }

            json.Slice(i, k).CopyTo(destination[written..]);
            written += k;
            i += k;
            if (json[i] == ' ')
            {
                i++;
                continue;
            }

            int end = SkipString(json, i);
            json[i..end].CopyTo(destination[written..]);
            written += end - i;
            i = end;
        }

        return written;
    }

    private static int SkipString(ReadOnlySpan<byte> json, int quote)
    {
        int i = quote + 1;
        while (true)
        {
            int k = json[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (k < 0)
            {
                throw new FormatException("details: unterminated string in the jsonb text the server sent");
            }

            i += k;
            if (json[i] == '"')
            {
                return i + 1;
            }

            i += 2;
        }
    }
}

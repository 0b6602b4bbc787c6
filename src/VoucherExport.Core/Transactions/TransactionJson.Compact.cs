using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Json;

namespace VoucherExport.Transactions;

/// <summary>
/// The fast path of <see cref="Parse(ReadOnlySpan{byte}, SharedStrings?)"/>: one forward scan of a line as machines
/// write it — property names without escapes, with or without whitespace between tokens (compact writers, or Python's
/// default <c>", "</c> and <c>": "</c>).
/// </summary>
/// <remarks>
/// <para>
/// The scan checks the whole line against JSON's grammar itself (strings, escapes, numbers, literals, nesting) and reads
/// the fields as it passes them, where <see cref="Utf8JsonReader"/> spent most of a JSON Lines export's CPU producing a
/// token at a time (docs/architecture.md, "The compact scan").
/// </para>
/// <para>
/// It never decides anything the full parser would decide differently: it gives up (returns null) at the first thing it
/// does not handle — an escaped property name in the object or its <c>details</c>, a known property given twice, a missing or wrong-typed
/// field, anything malformed, nesting past <see cref="MaxDepth"/> — and the full parser then reads the line from its
/// start and gives the row or the error it always gave. A property test holds the two to the same row on every line the
/// scan accepts and requires the scan to give up on every line the parser rejects (<c>CompactParseTests</c>).
/// </para>
/// </remarks>
public static partial class TransactionJson
{
    /// <summary>Nesting the scan follows (the full parser's reader allows 64); deeper lines take the full parser.</summary>
    internal const int MaxDepth = 32;

    // The bytes that end a run of plain string content: the closing quote, an escape, or a control character (which
    // JSON forbids raw inside a string).
    private static readonly SearchValues<byte> s_stringStops = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"u8);

    /// <summary>
    /// The row of a compact line, or null when the scan gives up (the line may still be valid: the caller then runs the
    /// full parser). <paramref name="json"/> must be valid UTF-8.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static VoucherTransaction? TryParseCompact(ReadOnlySpan<byte> json, SharedStrings? strings)
    {
        if (!TryScan(json, out ScannedRow row))
        {
            return null;
        }

        return new VoucherTransaction
        {
            Id = row.Id.ToText(json, strings: null, default)!,
            SourceId = row.SourceId.ToText(json, strings: null, default),
            VoucherId = row.VoucherId.ToText(json, strings, SharedField.VoucherId),
            CampaignId = row.CampaignId.ToText(json, strings, SharedField.CampaignId),
            Source = row.Source.ToKnown(json, s_knownSources, s_knownSourcesUtf8, strings, SharedField.Source),
            Reason = row.Reason.ToText(json, strings, SharedField.Reason),
            Type = row.Type.ToKnown(json, s_knownTypes, s_knownTypesUtf8, strings, SharedField.Type)!,
            Details = row.DetailsLength == 0 ? default : CompactJson.ToArray(json.Slice(row.DetailsStart, row.DetailsLength)),
            RelatedTransactionId = row.RelatedTransactionId.ToText(json, strings: null, default),
            CreatedAt = row.CreatedAt,
            Amount = row.Amount,
            Balance = row.Balance,
        };
    }

    /// <summary>
    /// Scans a compact line: checks it against JSON's grammar and finds its fields without making any of them an object
    /// (<see cref="ScannedRow"/> says where each is in the line); false when the scan gives up, as
    /// <see cref="TryParseCompact"/> returns null. <paramref name="json"/> must be valid UTF-8.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool TryScan(ReadOnlySpan<byte> json, out ScannedRow row)
    {
        row = default;
        int i = 0;
        SkipWhitespace(json, ref i);
        if (At(json, i++) != '{')
        {
            return false;
        }

        var seen = Property.None;
        bool ok = true;

        while (true)
        {
            if (!TryPlainName(json, ref i, out ReadOnlySpan<byte> name))
            {
                return false;
            }

            Property property = Classify(name);
            if ((seen & property) != 0)
            {
                return false;
            }

            seen |= property;
            switch (property)
            {
                case Property.Id:
                    ok = TryText(json, ref i, required: true, out row.Id) && row.Id.Kind != TextKind.Null;
                    break;
                case Property.SourceId:
                    ok = TryText(json, ref i, required: false, out row.SourceId);
                    break;
                case Property.VoucherId:
                    ok = TryText(json, ref i, required: false, out row.VoucherId);
                    break;
                case Property.CampaignId:
                    ok = TryText(json, ref i, required: false, out row.CampaignId);
                    break;
                case Property.Source:
                    ok = TryText(json, ref i, required: false, out row.Source);
                    break;
                case Property.Reason:
                    ok = TryText(json, ref i, required: false, out row.Reason);
                    break;
                case Property.Type:
                    ok = TryText(json, ref i, required: true, out row.Type) && row.Type.Kind != TextKind.Null;
                    break;
                case Property.Details:
                    ok = TryDetails(json, ref i, out row.DetailsStart, out row.DetailsLength, out row.Amount, out row.Balance);
                    break;
                case Property.RelatedTransactionId:
                    ok = TryText(json, ref i, required: false, out row.RelatedTransactionId);
                    break;
                case Property.CreatedAt:
                    ok = TryCreatedAt(json, ref i, out row.CreatedAt);
                    break;
                default:
                    ok = TrySkipValue(json, ref i, depth: 1);
                    break;
            }

            if (!ok)
            {
                return false;
            }

            byte next = Separator(json, ref i);
            if (next == '}')
            {
                break;
            }

            if (next != ',')
            {
                return false;
            }
        }

        // Nothing but whitespace may follow the object; the required fields must be there (the full parser names what is
        // missing), and id and type must not be empty.
        SkipWhitespace(json, ref i);
        return i == json.Length
            && (seen & (Property.Id | Property.Type | Property.CreatedAt)) == (Property.Id | Property.Type | Property.CreatedAt)
            && row.Id.Length != 0 && row.Type.Length != 0;
    }

    /// <summary>The byte at <paramref name="index"/>, or 0 past the end (0 is valid nowhere outside a string's escape).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte At(ReadOnlySpan<byte> json, int index) => (uint)index < (uint)json.Length ? json[index] : (byte)0;

    /// <summary>Moves past insignificant whitespace at <paramref name="i"/>: space, tab, CR and LF, as JSON defines it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SkipWhitespace(ReadOnlySpan<byte> json, ref int i)
    {
        // One comparison settles the usual case, a token right there (every whitespace byte is at most a space).
        byte b;
        while ((b = At(json, i)) <= (byte)' ' && b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }
    }

    /// <summary>The byte that follows a value (after any whitespace), consumed: a comma or the closing bracket, else invalid.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Separator(ReadOnlySpan<byte> json, ref int i)
    {
        SkipWhitespace(json, ref i);
        return At(json, i++);
    }

    /// <summary>
    /// A property name without escapes and its colon, after any whitespace at <paramref name="i"/>; moves to the value
    /// (past the colon and any whitespace after it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryPlainName(ReadOnlySpan<byte> json, ref int i, out ReadOnlySpan<byte> name)
    {
        name = default;
        SkipWhitespace(json, ref i);
        int open = i;
        if (At(json, open) != '"' || !TryString(json, ref i, out bool escaped) || escaped)
        {
            return false;
        }

        int close = i - 1;
        if (Separator(json, ref i) != ':')
        {
            return false;
        }

        name = json[(open + 1)..close];
        SkipWhitespace(json, ref i);
        return true;
    }

    /// <summary>
    /// Moves past the string that opens at <paramref name="i"/>, checking its escapes; false when it is malformed or
    /// unterminated. <paramref name="escaped"/> tells whether it holds any escape.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryString(ReadOnlySpan<byte> json, ref int i, out bool escaped)
    {
        escaped = false;
        int p = i + 1;
        while (true)
        {
            p = NextStop(json, p);
            if (p < 0)
            {
                return false;
            }

            byte b = json[p];
            if (b == '"')
            {
                i = p + 1;
                return true;
            }

            if (b != '\\')
            {
                return false;
            }

            escaped = true;
            switch (At(json, p + 1))
            {
                case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                    p += 2;
                    break;
                case (byte)'u':
                    if (!IsHex(At(json, p + 2)) || !IsHex(At(json, p + 3)) || !IsHex(At(json, p + 4)) || !IsHex(At(json, p + 5)))
                    {
                        return false;
                    }

                    p += 6;
                    break;
                default:
                    return false;
            }
        }
    }

    /// <summary>
    /// The index of the first quote, backslash or control character at or after <paramref name="p"/>, or -1. Sixteen
    /// bytes at a time while they last (most strings of a ledger end within two such steps), then the rest.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextStop(ReadOnlySpan<byte> json, int p)
    {
        if (Vector128.IsHardwareAccelerated)
        {
            ref byte start = ref MemoryMarshal.GetReference(json);
            while (p <= json.Length - Vector128<byte>.Count)
            {
                Vector128<byte> bytes = Vector128.LoadUnsafe(ref start, (nuint)p);
                Vector128<byte> stops = Vector128.Equals(bytes, Vector128.Create((byte)'"'))
                    | Vector128.Equals(bytes, Vector128.Create((byte)'\\'))
                    | Vector128.LessThan(bytes, Vector128.Create((byte)0x20));
                uint mask = stops.ExtractMostSignificantBits();
                if (mask != 0)
                {
                    return p + BitOperations.TrailingZeroCount(mask);
                }

                p += Vector128<byte>.Count;
            }
        }

        int k = json[p..].IndexOfAny(s_stringStops);
        return k < 0 ? -1 : p + k;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    /// <summary>
    /// A text field: a string or null; <paramref name="required"/> refuses null, as the full parser does for <c>id</c>
    /// and <c>type</c>. An escaped string must decode (an escaped unpaired surrogate is left to the full parser).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryText(ReadOnlySpan<byte> json, ref int i, bool required, out ScannedText text)
    {
        text = default;
        int open = i;
        if (At(json, open) != '"')
        {
            return !required && TryLiteral(json, ref i, "null"u8);
        }

        if (!TryString(json, ref i, out bool escaped))
        {
            return false;
        }

        text = new ScannedText(open + 1, i - 1 - (open + 1), escaped ? TextKind.Escaped : TextKind.Plain);
        return !escaped || SurrogatesPair(json[(open + 1)..(i - 1)]);
    }

    /// <summary>
    /// Whether every <c>\u</c> escape for a UTF-16 surrogate in <paramref name="content"/> (a string's content, its escapes
    /// already checked by <see cref="TryString"/>) is half of a pair: a high one followed at once by an escaped low one.
    /// That is the one thing about a well-formed escaped string <see cref="Unescaped"/> refuses, so the scan checks it
    /// here and the text is decoded once, when it is used.
    /// </summary>
    private static bool SurrogatesPair(ReadOnlySpan<byte> content)
    {
        int p = content.IndexOf((byte)'\\');
        while (p >= 0 && p < content.Length)
        {
            if (content[p + 1] != 'u')
            {
                p += 2;
            }
            else
            {
                char unit = Hex4(content.Slice(p + 2, 4));
                if (char.IsLowSurrogate(unit))
                {
                    return false;
                }

                if (char.IsHighSurrogate(unit))
                {
                    if (p + 12 > content.Length || content[p + 6] != '\\' || content[p + 7] != 'u'
                        || !char.IsLowSurrogate(Hex4(content.Slice(p + 8, 4))))
                    {
                        return false;
                    }

                    p += 6;
                }

                p += 6;
            }

            int next = content[p..].IndexOf((byte)'\\');
            p = next < 0 ? -1 : p + next;
        }

        return true;
    }

    /// <summary>The UTF-16 unit of a <c>\u</c> escape's four hex digits (checked already).</summary>
    private static char Hex4(ReadOnlySpan<byte> digits) =>
        Utf8Parser.TryParse(digits, out ushort unit, out _, 'X') ? (char)unit : throw new UnreachableException("four hex digits");

    /// <summary>
    /// The text of a string token holding escapes, decoded by the same reader the full parser uses; null for an escaped
    /// unpaired surrogate (the full parser reports it).
    /// </summary>
    internal static string? Unescaped(ReadOnlySpan<byte> stringToken)
    {
        var reader = new Utf8JsonReader(stringToken);
        try
        {
            return reader.Read() ? reader.GetString() : null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or JsonException)
        {
            return null;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryCreatedAt(ReadOnlySpan<byte> json, ref int i, out DateTimeOffset value)
    {
        value = default;
        int open = i;
        return At(json, open) == '"'
            && TryString(json, ref i, out bool escaped)
            && !escaped
            && Iso8601.TryParse(json[(open + 1)..(i - 1)], out value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryLiteral(ReadOnlySpan<byte> json, ref int i, ReadOnlySpan<byte> literal)
    {
        if (!json[i..].StartsWith(literal))
        {
            return false;
        }

        i += literal.Length;
        return true;
    }

    /// <summary>
    /// <c>details</c>: null (length 0), or where its object is in the line (whitespace and all), with
    /// <c>balance.amount</c> (else <c>balance.points</c>) and <c>balance.balance</c> read on the way through.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryDetails(
        ReadOnlySpan<byte> json, ref int i, out int detailsStart, out int detailsLength, out long? amount, out long? balance)
    {
        detailsStart = 0;
        detailsLength = 0;
        amount = null;
        balance = null;
        if (At(json, i) != '{')
        {
            return TryLiteral(json, ref i, "null"u8);
        }

        int start = i++;
        long? points = null;
        bool sawBalance = false;
        SkipWhitespace(json, ref i);
        if (At(json, i) == '}')
        {
            i++;
        }
        else
        {
            while (true)
            {
                if (!TryPlainName(json, ref i, out ReadOnlySpan<byte> name))
                {
                    return false;
                }

                bool ok;
                if (name.SequenceEqual("balance"u8))
                {
                    // A second balance would make the full parser read both in turn; it decides such a line.
                    ok = !sawBalance && TryBalance(json, ref i, ref amount, ref points, ref balance);
                    sawBalance = true;
                }
                else
                {
                    ok = TrySkipValue(json, ref i, depth: 2);
                }

                byte next = Separator(json, ref i);
                if (!ok || next == '}')
                {
                    if (!ok)
                    {
                        return false;
                    }

                    break;
                }

                if (next != ',')
                {
                    return false;
                }
            }
        }

        amount ??= points;
        detailsStart = start;
        detailsLength = i - start;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryBalance(ReadOnlySpan<byte> json, ref int i, ref long? amount, ref long? points, ref long? balance)
    {
        if (At(json, i) != '{')
        {
            return TryLiteral(json, ref i, "null"u8);
        }

        i++;
        SkipWhitespace(json, ref i);
        if (At(json, i) == '}')
        {
            i++;
            return true;
        }

        int seen = 0;
        while (true)
        {
            if (!TryPlainName(json, ref i, out ReadOnlySpan<byte> name))
            {
                return false;
            }

            int which = name.SequenceEqual("amount"u8) ? 1 : name.SequenceEqual("points"u8) ? 2 : name.SequenceEqual("balance"u8) ? 4 : 0;
            if ((seen & which) != 0)
            {
                return false;
            }

            seen |= which;
            bool ok = which switch
            {
                1 => TryInteger(json, ref i, out amount),
                2 => TryInteger(json, ref i, out points),
                4 => TryInteger(json, ref i, out balance),
                _ => TrySkipValue(json, ref i, depth: 3),
            };

            byte next = Separator(json, ref i);
            if (!ok)
            {
                return false;
            }

            if (next == '}')
            {
                return true;
            }

            if (next != ',')
            {
                return false;
            }
        }
    }

    /// <summary>Null, or a number in the form and range of a <see cref="long"/> (what <c>TryGetInt64</c> accepts).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryInteger(ReadOnlySpan<byte> json, ref int i, out long? value)
    {
        value = null;
        int start = i;
        if (!TryNumber(json, ref i, out bool integral))
        {
            return TryLiteral(json, ref i, "null"u8);
        }

        if (!integral || !Utf8Parser.TryParse(json[start..i], out long parsed, out int consumed) || consumed != i - start)
        {
            return false;
        }

        value = parsed;
        return true;
    }

    /// <summary>Moves past a JSON number at <paramref name="i"/>; <paramref name="integral"/>: no fraction or exponent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryNumber(ReadOnlySpan<byte> json, ref int i, out bool integral)
    {
        integral = true;
        int p = i;
        if (At(json, p) == '-')
        {
            p++;
        }

        byte b = At(json, p);
        if (b == '0')
        {
            p++;
        }
        else if (b is >= (byte)'1' and <= (byte)'9')
        {
            p = SkipDigits(json, p + 1);
        }
        else
        {
            return false;
        }

        if (At(json, p) == '.')
        {
            integral = false;
            int digits = SkipDigits(json, p + 1);
            if (digits == p + 1)
            {
                return false;
            }

            p = digits;
        }

        if (At(json, p) is (byte)'e' or (byte)'E')
        {
            integral = false;
            p++;
            if (At(json, p) is (byte)'+' or (byte)'-')
            {
                p++;
            }

            int digits = SkipDigits(json, p);
            if (digits == p)
            {
                return false;
            }

            p = digits;
        }

        i = p;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipDigits(ReadOnlySpan<byte> json, int p)
    {
        while (char.IsAsciiDigit((char)At(json, p)))
        {
            p++;
        }

        return p;
    }

    /// <summary>Moves past any JSON value at <paramref name="i"/>, checking it; <paramref name="depth"/> is the nesting it sits at.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TrySkipValue(ReadOnlySpan<byte> json, ref int i, int depth)
    {
        switch (At(json, i))
        {
            case (byte)'"':
                return TryString(json, ref i, out _);
            case (byte)'{':
                return depth < MaxDepth && TrySkipContainer(json, ref i, depth + 1, (byte)'}', members: true);
            case (byte)'[':
                return depth < MaxDepth && TrySkipContainer(json, ref i, depth + 1, (byte)']', members: false);
            case (byte)'t':
                return TryLiteral(json, ref i, "true"u8);
            case (byte)'f':
                return TryLiteral(json, ref i, "false"u8);
            case (byte)'n':
                return TryLiteral(json, ref i, "null"u8);
            default:
                return TryNumber(json, ref i, out _);
        }
    }

    /// <summary>Moves past an object (<paramref name="members"/>) or an array opening at <paramref name="i"/>.</summary>
    private static bool TrySkipContainer(ReadOnlySpan<byte> json, ref int i, int depth, byte close, bool members)
    {
        i++;
        SkipWhitespace(json, ref i);
        if (At(json, i) == close)
        {
            i++;
            return true;
        }

        while (true)
        {
            SkipWhitespace(json, ref i);
            if (members)
            {
                // Any name: escapes allowed, since nothing here is compared with it.
                int open = i;
                if (At(json, open) != '"' || !TryString(json, ref i, out _) || Separator(json, ref i) != ':')
                {
                    return false;
                }

                SkipWhitespace(json, ref i);
            }

            if (!TrySkipValue(json, ref i, depth))
            {
                return false;
            }

            byte next = Separator(json, ref i);
            if (next == close)
            {
                return true;
            }

            if (next != ',')
            {
                return false;
            }
        }
    }
}

using System.Text;

namespace VoucherExport.Transactions;

/// <summary>How a scanned text field was written.</summary>
internal enum TextKind : byte
{
    /// <summary>Absent, or <c>null</c>.</summary>
    Null,

    /// <summary>A string without escapes: its bytes in the line are its UTF-8 text.</summary>
    Plain,

    /// <summary>A string with escapes, decoded on use.</summary>
    Escaped,
}

/// <summary>Where a text field's content (between its quotes) is in a scanned line, and how it was written.</summary>
internal readonly record struct ScannedText(int Start, int Length, TextKind Kind)
{
    /// <summary>The content between the quotes, as written (escapes undecoded).</summary>
    public ReadOnlySpan<byte> In(ReadOnlySpan<byte> line) => line.Slice(Start, Length);

    /// <summary>The string token, quotes included (what <see cref="TransactionJson.Unescaped"/> decodes).</summary>
    public ReadOnlySpan<byte> Token(ReadOnlySpan<byte> line) => line.Slice(Start - 1, Length + 2);

    /// <summary>The field's text, from <paramref name="strings"/> when short and plain; null when absent.</summary>
    public string? ToText(ReadOnlySpan<byte> line, SharedStrings? strings, SharedField field)
    {
        switch (Kind)
        {
            case TextKind.Null:
                return null;
            case TextKind.Escaped:
                return TransactionJson.Unescaped(Token(line));
            default:
                ReadOnlySpan<byte> value = In(line);
                return strings is not null && value.Length <= SharedStrings.MaxBytes ? strings.Get(value, field) : Encoding.UTF8.GetString(value);
        }
    }

    /// <summary><c>source</c> and <c>type</c>: a known name's own string when the value is one, as the full parser does.</summary>
    public string? ToKnown(ReadOnlySpan<byte> line, string[] names, byte[][] utf8Names, SharedStrings? strings, SharedField field)
    {
        if (Kind == TextKind.Plain)
        {
            ReadOnlySpan<byte> value = In(line);
            for (int n = 0; n < utf8Names.Length; n++)
            {
                if (value.SequenceEqual(utf8Names[n]))
                {
                    return names[n];
                }
            }
        }

        return ToText(line, Kind == TextKind.Plain ? strings : null, field);
    }

    /// <summary>
    /// The field's text as UTF-8: the line's own bytes when plain, else decoded into <paramref name="scratch"/> (grown
    /// as needed); empty when absent.
    /// </summary>
    public ReadOnlySpan<byte> Utf8(ReadOnlySpan<byte> line, ref byte[]? scratch)
    {
        if (Kind != TextKind.Escaped)
        {
            return Kind == TextKind.Null ? default : In(line);
        }

        // Escapes only ever shorten the text: the decoded UTF-8 fits in the escaped length.
        string text = TransactionJson.Unescaped(Token(line))!;
        if (scratch is null || scratch.Length < Length)
        {
            scratch = new byte[Math.Max(Length, 256)];
        }

        int written = Encoding.UTF8.GetBytes(text, scratch);
        return scratch.AsSpan(0, written);
    }
}

/// <summary>
/// The fields of one compact JSON Lines transaction as <see cref="TransactionJson.TryScan"/> found them: where each text
/// is in the line, the parsed instant and numbers. Nothing is allocated; the line must outlive it.
/// </summary>
internal struct ScannedRow
{
    public ScannedText Id;
    public ScannedText SourceId;
    public ScannedText VoucherId;
    public ScannedText CampaignId;
    public ScannedText Source;
    public ScannedText Reason;
    public ScannedText Type;
    public ScannedText RelatedTransactionId;

    /// <summary>Where the <c>details</c> object starts in the line; with its length, 0 when null.</summary>
    public int DetailsStart;

    /// <summary>The length of the <c>details</c> object as written (its whitespace included); 0 when null.</summary>
    public int DetailsLength;

    public DateTimeOffset CreatedAt;
    public long? Amount;
    public long? Balance;
}

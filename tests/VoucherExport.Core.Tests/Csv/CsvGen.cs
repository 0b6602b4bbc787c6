using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using VoucherExport.Csv;
using VoucherExport.Parameters;
using VoucherExport.Transactions;

namespace VoucherExport.Tests.Csv;

/// <summary>FsCheck generators for hostile text, formats and rows.</summary>
internal static class CsvGen
{
    /// <summary>Pieces text is glued from: every byte a CSV writer can get wrong, multi-byte UTF-8, and surrogate pairs.</summary>
    private static readonly string[] s_pieces =
    [
        "a", "Z", "0", "9", " ", "vtx_", "\"", "\"\"", ",", ";", "\t", "|", "\r", "\n", "\r\n", "\n\r",
        "=", "+", "-", "@", "'", "é", "ß", "€", "中", "😀", "𝄞", "\u00A0", "\u2028", "\uFEFF", "\\",
    ];

    public static Gen<string> Text { get; } =
        Gen.Elements(s_pieces).ListOf().Select(pieces => string.Concat(pieces));

    public static Gen<string?> NullableText { get; } =
        Gen.Frequency((1, Gen.Constant<string?>(null)), (6, Text.Select(t => (string?)t)));

    public static Gen<CsvFormat> Format { get; } =
        from delimiter in Gen.Elements(',', ';', '\t', '|')
        from newline in Gen.Elements(CsvNewline.CrLf, CsvNewline.Lf)
        from bom in Gen.Elements(false, true)
        from header in Gen.Elements(CsvHeaderStyle.Labels, CsvHeaderStyle.Names)
        select new CsvFormat { Delimiter = delimiter, Newline = newline, Bom = bom, Header = header };

    public static Gen<ImmutableArray<TransactionField>> Fields { get; } =
        Gen.Shuffle(TransactionFields.All.ToArray()).SelectMany(all => Gen.Choose(1, all.Length).Select(n => all.Take(n).ToImmutableArray()));

    private static Gen<long?> Number { get; } =
        Gen.Frequency(
            (1, Gen.Constant<long?>(null)),
            (4, Gen.Choose(-100_000, 100_000).Select(n => (long?)n)),
            (1, Gen.Elements<long?>(long.MinValue, long.MaxValue, 0, -1)));

    public static Gen<VoucherTransaction> Row(int index) =>
        from id in Text
        from reason in NullableText
        from source in NullableText
        from sourceId in NullableText
        from amount in Number
        from balance in Number
        from offsetMs in Gen.Choose(0, 3 * 86_400_000)
        from details in Gen.Elements<string?>(null, "{}", """{"balance":{"amount":-5,"note":"a \"quoted\", text"}}""", """{"x":"€😀\n"}""")
        select TestRows.Make(
            id: "vtx_" + index + id,
            reason: reason,
            source: source,
            sourceId: sourceId,
            amount: amount,
            balance: balance,
            createdAt: TestRows.Start.AddMilliseconds(offsetMs),
            details: details,
            related: reason is null ? null : id);

    public static Gen<VoucherTransaction[]> Rows(int max) =>
        Gen.Choose(0, max).SelectMany(n => Gen.CollectToArray(Enumerable.Range(0, n).Select(Row)));
}

using System.Text;
using Sylvan.Data.Csv;

namespace VoucherExport.Tests.Csv;

/// <summary>Reads CSV bytes back with Sylvan, an independent reader, into the header and the rows.</summary>
internal static class CsvReading
{
    public static (string[] Header, List<string[]> Rows) Read(ReadOnlySpan<byte> csv, char delimiter)
    {
        if (csv.StartsWith("\uFEFF"u8))
        {
            csv = csv[3..];
        }

        string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(csv);
        using var reader = CsvDataReader.Create(new StringReader(text), new CsvDataReaderOptions
        {
            Delimiter = delimiter,
            HasHeaders = true,
            MaxBufferSize = 1 << 24,
            Comment = '\uDFFF',
        });

        var header = new string[reader.FieldCount];
        for (int i = 0; i < header.Length; i++)
        {
            header[i] = reader.GetName(i);
        }

        var rows = new List<string[]>();
        while (reader.Read())
        {
            Assert.Equal(header.Length, reader.RowFieldCount);
            var row = new string[reader.FieldCount];
            for (int i = 0; i < row.Length; i++)
            {
                row[i] = reader.GetString(i);
            }

            rows.Add(row);
        }

        return (header, rows);
    }
}

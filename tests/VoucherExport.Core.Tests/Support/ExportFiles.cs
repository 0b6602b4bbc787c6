using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace VoucherExport.Tests.Support;

/// <summary>Reads an export back from its chunks and checks them against its manifest.</summary>
internal static class ExportFiles
{
    public static byte[] Concatenate(IReadOnlyList<byte[]> chunks, int preambleLength)
    {
        var all = new MemoryStream();
        for (int i = 0; i < chunks.Count; i++)
        {
            int skip = i == 0 ? 0 : preambleLength;
            all.Write(chunks[i], skip, chunks[i].Length - skip);
        }

        return all.ToArray();
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Checks a folder export: manifest lists exactly the part files, with matching sizes and checksums.</summary>
    public static JsonDocument VerifyFolder(string folder)
    {
        var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "manifest.json")));
        var chunks = manifest.RootElement.GetProperty("result").GetProperty("chunks");
        var names = new List<string>();
        foreach (var chunk in chunks.EnumerateArray())
        {
            string name = chunk.GetProperty("name").GetString()!;
            names.Add(name);
            byte[] bytes = File.ReadAllBytes(Path.Combine(folder, name));
            Assert.Equal(chunk.GetProperty("bytes").GetInt64(), bytes.LongLength);
            Assert.Equal(chunk.GetProperty("sha256").GetString(), Sha256(bytes));
        }

        var onDisk = Directory.GetFiles(folder).Select(f => Path.GetFileName(f)!).Where(n => n != "manifest.json").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(names, onDisk);
        return manifest;
    }

    public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}

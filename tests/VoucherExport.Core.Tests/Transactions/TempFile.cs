namespace VoucherExport.Tests.Transactions;

/// <summary>A file in the temp folder, deleted on dispose.</summary>
internal sealed class TempFile : IDisposable
{
    public TempFile(byte[] content, string extension = ".tmp")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"vx-{Guid.NewGuid():N}{extension}");
        File.WriteAllBytes(Path, content);
    }

    public TempFile(string content, string extension = ".tmp")
        : this(new System.Text.UTF8Encoding(false).GetBytes(content), extension)
    {
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}

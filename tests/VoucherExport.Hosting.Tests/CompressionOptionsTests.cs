using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VoucherExport.SampleWorker;

namespace VoucherExport.Hosting.Tests;

public class CompressionOptionsTests
{
    [Fact]
    public async Task BadCompressionOptionsStopTheHostNamingTheKeys()
    {
        string message = await StartFailure.MessageAsync(o =>
        {
            o.DemoRows = 10;
            o.Compression = "zip";
            o.CompressionLevel = 11;
        });
        Assert.Contains("VoucherExport:Compression must be 'none' or 'gzip', not 'zip'", message, StringComparison.Ordinal);
        Assert.Contains("VoucherExport:CompressionLevel must be between 1 and 9, not 11", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GzipFromConfigurationStoresGzipChunksWithinTheLimit()
    {
        string data = Path.Combine(Path.GetTempPath(), "vx-hosting-gz-" + Guid.NewGuid().ToString("N"));
        try
        {
            ExportOnce? worker = null;
            int code = await SampleApp.RunAsync(
                ["--VoucherExport:DataDirectory=" + data, "--VoucherExport:DemoRows=5000", "--VoucherExport:MaxChunkBytes=65536",
                 "--VoucherExport:Compression=gzip"],
                b => b.Services.AddSingleton<ExportOnce>(sp => worker = ActivatorUtilities.CreateInstance<ExportOnce>(sp)));
            Assert.Equal(0, code);
            var result = worker!.Final!.Result!;
            Assert.Equal(5000, result.Rows);
            string folder = Path.Combine(data, worker.Final.Id);
            Assert.Equal(result.Chunks.Count, Directory.GetFiles(folder, "part-*.csv.gz").Length);
            Assert.Empty(Directory.GetFiles(folder, "part-*.csv"));
            Assert.All(result.Chunks, c =>
            {
                Assert.True(c.Info.Bytes <= 65536);
                Assert.True(c.Info.UncompressedBytes > c.Info.Bytes);
            });
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}

using System.Buffers;

namespace VoucherExport.Tests.Transactions;

/// <summary>An array pool owned by one test: it records the largest array asked for and what is still out.</summary>
internal sealed class RecordingBytePool : ArrayPool<byte>
{
    private readonly HashSet<byte[]> _out = new(ReferenceEqualityComparer.Instance);

    public int LargestRent { get; private set; }

    public int Outstanding => _out.Count;

    public override byte[] Rent(int minimumLength)
    {
        LargestRent = Math.Max(LargestRent, minimumLength);
        var array = new byte[minimumLength];
        _out.Add(array);
        return array;
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        Assert.True(_out.Remove(array), "an array was returned that this pool did not rent, or returned twice");
    }
}

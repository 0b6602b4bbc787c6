using System.Buffers;
using System.Runtime.CompilerServices;

namespace VoucherExport.Tests.Faults;

/// <summary>
/// A byte pool that hands out fresh arrays and records every rent and return, so a test can prove that a run gave back
/// everything it took: it fails on a buffer still out, a buffer returned twice, or an array it never handed out.
/// </summary>
/// <remarks>Owned by one test, so its figures are that test's alone (never the process-wide pool's).</remarks>
internal sealed class RecordingBufferPool : ArrayPool<byte>
{
    private readonly Lock _gate = new();
    private readonly Dictionary<byte[], int> _out = new(ReferenceEqualityComparer.Instance);
    private readonly ConditionalWeakTable<byte[], object> _returned = [];
    private readonly List<string> _problems = [];
    private int _rents;
    private int _returns;
    private int _largest;

    /// <summary>Buffers rented so far.</summary>
    public int Rents
    {
        get
        {
            lock (_gate)
            {
                return _rents;
            }
        }
    }

    /// <summary>Buffers rented and not returned.</summary>
    public int Outstanding
    {
        get
        {
            lock (_gate)
            {
                return _out.Count;
            }
        }
    }

    /// <summary>The largest size asked for so far.</summary>
    public int LargestRent
    {
        get
        {
            lock (_gate)
            {
                return _largest;
            }
        }
    }

    public override byte[] Rent(int minimumLength)
    {
        // A fresh array each time, a little larger than asked (as the shared pool does), so a caller that relies on
        // getting exactly what it asked for, or keeps using an array after returning it, is not hidden by reuse.
        var array = new byte[minimumLength == 0 ? 0 : minimumLength + 7];
        lock (_gate)
        {
            _rents++;
            _largest = Math.Max(_largest, minimumLength);
            _out[array] = minimumLength;
        }

        return array;
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        lock (_gate)
        {
            _returns++;
            if (_out.Remove(array))
            {
                _returned.AddOrUpdate(array, new object());
            }
            else if (_returned.TryGetValue(array, out _))
            {
                _problems.Add($"a buffer of {array.Length} bytes was returned twice");
            }
            else
            {
                _problems.Add($"an array of {array.Length} bytes that this pool never rented was returned to it");
            }
        }
    }

    /// <summary>Throws naming every leak, double return and foreign return seen.</summary>
    public void AssertBalanced(string context)
    {
        lock (_gate)
        {
            var problems = new List<string>(_problems);
            if (_out.Count > 0)
            {
                problems.Add($"{_out.Count} buffer(s) never returned (asked sizes: {string.Join(", ", _out.Values.Order())})");
            }

            if (problems.Count > 0)
            {
                throw new Xunit.Sdk.XunitException($"{context}: {_rents} rents, {_returns} returns; " + string.Join("; ", problems));
            }
        }
    }
}

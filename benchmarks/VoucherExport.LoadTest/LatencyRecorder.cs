using System.Diagnostics;

namespace VoucherExport.LoadTest;

/// <summary>Every request's latency by operation, and the errors, from all clients at once.</summary>
public sealed class LatencyRecorder
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<long>> _latencies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _errorsByOperation = new(StringComparer.Ordinal);
    private readonly List<string> _errors = [];
    private long _errorCount;
    private long _measureFrom = long.MinValue;

    /// <summary>Requests that start before <paramref name="timestamp"/> (<see cref="Stopwatch"/>) are not timed: the warm-up.</summary>
    public void MeasureFrom(long timestamp) => Interlocked.Exchange(ref _measureFrom, timestamp);

    /// <summary>Records one request of <paramref name="operation"/> that started at <paramref name="startTimestamp"/> (<see cref="Stopwatch"/>).</summary>
    public void Record(string operation, long startTimestamp)
    {
        long elapsed = Stopwatch.GetTimestamp() - startTimestamp;
        if (startTimestamp < Interlocked.Read(ref _measureFrom))
        {
            return;
        }

        lock (_gate)
        {
            if (!_latencies.TryGetValue(operation, out var list))
            {
                _latencies[operation] = list = [];
            }

            list.Add(elapsed);
        }
    }

    /// <summary>Counts an error of <paramref name="operation"/>; the first 50 are kept word for word.</summary>
    public void Error(string operation, string what)
    {
        Interlocked.Increment(ref _errorCount);
        lock (_gate)
        {
            _errorsByOperation[operation] = _errorsByOperation.GetValueOrDefault(operation) + 1;
            _latencies.TryAdd(operation, []);
            if (_errors.Count < 50)
            {
                _errors.Add($"{operation}: {what}");
            }
        }
    }

    /// <summary>Errors so far.</summary>
    public long ErrorCount => Interlocked.Read(ref _errorCount);

    /// <summary>The first errors, word for word.</summary>
    public IReadOnlyList<string> FirstErrors
    {
        get
        {
            lock (_gate)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>Per operation: request count and latency percentiles, in the order operations were first seen.</summary>
    public IReadOnlyList<OperationSummary> Summarize()
    {
        lock (_gate)
        {
            return [.. _latencies.Select(pair => OperationSummary.From(pair.Key, pair.Value, _errorsByOperation.GetValueOrDefault(pair.Key)))];
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;

namespace RestikManager.Swarm;

/// <summary>Counts online agents and hello→welcome latencies; signals all-online and the end of a storm.</summary>
internal sealed class SwarmStats(int agents)
{
    private readonly ConcurrentBag<double> _latencies = [];
    private int _online;
    private int _failed;
    private int _storming;
    private long _dropAt;
    private long _recoveredAt;

    public TaskCompletionSource AllOnline { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource StormOver { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Online => Volatile.Read(ref _online);

    public int FailedAttempts => Volatile.Read(ref _failed);

    public double StormSeconds => Stopwatch.GetElapsedTime(_dropAt, _recoveredAt).TotalSeconds;

    public void Welcomed(TimeSpan latency)
    {
        _latencies.Add(latency.TotalMilliseconds);
        if (Interlocked.Increment(ref _online) == agents)
        {
            AllOnline.TrySetResult();
            if (Volatile.Read(ref _storming) == 1 && Interlocked.Read(ref _dropAt) != 0)
            {
                _recoveredAt = Stopwatch.GetTimestamp();
                StormOver.TrySetResult();
            }
        }
    }

    public void Dropped()
    {
        Interlocked.Decrement(ref _online);
        if (Volatile.Read(ref _storming) == 1)
        {
            Interlocked.CompareExchange(ref _dropAt, Stopwatch.GetTimestamp(), 0);
        }
    }

    public void Failed() => Interlocked.Increment(ref _failed);

    /// <summary>From now on, latencies and failures count toward the storm.</summary>
    public void StartStorm()
    {
        _latencies.Clear();
        Interlocked.Exchange(ref _failed, 0);
        Volatile.Write(ref _storming, 1);
    }

    public double Percentile(double p)
    {
        var sorted = _latencies.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

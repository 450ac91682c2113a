namespace RestikManager.Agent.Connection;

/// <summary>
/// Capped exponential backoff with jitter: attempt n waits a random time between half and all of
/// min(cap, initial·2ⁿ), so agents that lost the same server do not return in step.
/// </summary>
internal sealed class Backoff(TimeSpan initial, TimeSpan cap, Random random)
{
    public static Backoff Default() => new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), Random.Shared);

    public TimeSpan Delay(int attempt)
    {
        var ceiling = Math.Min(cap.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (random.NextDouble() * 0.5)));
    }
}

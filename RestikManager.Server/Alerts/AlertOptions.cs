namespace RestikManager.Server.Alerts;

/// <summary>
/// How often alerts are evaluated and how long a delivery is retried (configuration section <c>Alerts</c>, e.g.
/// <c>Alerts__RetryFor=00:30:00</c>). The defaults suit production; tests shorten them.
/// </summary>
internal sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>Time between evaluations when nothing nudges one sooner (a job ending, a host connecting).</summary>
    public TimeSpan EvaluateEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a delivery is retried before it is marked failed.</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The wait before the first retry; each next one waits twice as long, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Within one attempt of a delivery over HTTP, Polly's quick tries: each may take this long (the whole attempt three
    /// times as long)...
    /// </summary>
    public TimeSpan SendTryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>...and is tried again this many times after a failure (at least 1)...</summary>
    public int SendRetries { get; set; } = 3;

    /// <summary>...after a delay that starts here and doubles, with jitter.</summary>
    public TimeSpan SendRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A channel whose last this many deliveries in a row were marked failed is failing: the Notifications page says so,
    /// and the rules that send to it tell their other channels (<c>channel_failing</c>). A delivered message, a Send test
    /// among them, ends the run.
    /// </summary>
    public int ChannelFailingAfter { get; set; } = 1;

    /// <summary>The wait before retry <paramref name="attempts"/> (1 after the first failure).</summary>
    public TimeSpan RetryDelay(int attempts) =>
        TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, FirstRetryDelay.Ticks * (1L << Math.Clamp(attempts - 1, 0, 20))));

    /// <summary>Why these options cannot work, or null.</summary>
    public string? Problem() =>
        EvaluateEvery < TimeSpan.FromMilliseconds(100) ? "Alerts:EvaluateEvery must be at least 100 ms"
        : RetryFor < TimeSpan.Zero ? "Alerts:RetryFor must not be negative"
        : FirstRetryDelay <= TimeSpan.Zero || MaxRetryDelay < FirstRetryDelay ? "Alerts:FirstRetryDelay must be positive and at most Alerts:MaxRetryDelay"
        : SendTryTimeout < TimeSpan.FromMilliseconds(100) || SendTryTimeout > TimeSpan.FromHours(1) ? "Alerts:SendTryTimeout must be 100 ms to 1 h"
        : SendRetries is < 1 or > 10 ? "Alerts:SendRetries must be 1 to 10"
        : SendRetryDelay < TimeSpan.FromMilliseconds(10) || SendRetryDelay > TimeSpan.FromMinutes(1) ? "Alerts:SendRetryDelay must be 10 ms to 1 min"
        : ChannelFailingAfter < 1 ? "Alerts:ChannelFailingAfter must be at least 1"
        : null;
}

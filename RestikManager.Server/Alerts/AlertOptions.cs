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

    /// <summary>The wait before retry <paramref name="attempts"/> (1 after the first failure).</summary>
    public TimeSpan RetryDelay(int attempts) =>
        TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, FirstRetryDelay.Ticks * (1L << Math.Clamp(attempts - 1, 0, 20))));

    /// <summary>Why these options cannot work, or null.</summary>
    public string? Problem() =>
        EvaluateEvery < TimeSpan.FromMilliseconds(100) ? "Alerts:EvaluateEvery must be at least 100 ms"
        : RetryFor < TimeSpan.Zero ? "Alerts:RetryFor must not be negative"
        : FirstRetryDelay <= TimeSpan.Zero || MaxRetryDelay < FirstRetryDelay ? "Alerts:FirstRetryDelay must be positive and at most Alerts:MaxRetryDelay"
        : null;
}

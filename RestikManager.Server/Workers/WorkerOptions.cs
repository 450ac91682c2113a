namespace RestikManager.Server.Workers;

/// <summary>
/// How often the server's periodic loops look (configuration section <c>Workers</c>, e.g.
/// <c>Workers__MaintenanceEvery=00:00:10</c>). The defaults suit production; tests shorten them.
/// </summary>
internal sealed class WorkerOptions
{
    public const string Section = "Workers";

    /// <summary>Between passes over maintenance schedules, queued jobs and the jobs of hosts that stayed away.</summary>
    public TimeSpan MaintenanceEvery { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Between writes of the agents' last-seen times (heartbeats cost no write each).</summary>
    public TimeSpan LastSeenEvery { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Why these options cannot work, or null.</summary>
    public string? Problem() =>
        MaintenanceEvery < TimeSpan.FromMilliseconds(100) || MaintenanceEvery > TimeSpan.FromMinutes(10) ? "Workers:MaintenanceEvery must be 100 ms to 10 min"
        : LastSeenEvery < TimeSpan.FromMilliseconds(100) || LastSeenEvery > TimeSpan.FromMinutes(10) ? "Workers:LastSeenEvery must be 100 ms to 10 min"
        : null;
}

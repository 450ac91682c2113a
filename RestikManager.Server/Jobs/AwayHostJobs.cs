using System.Globalization;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;

namespace RestikManager.Server.Jobs;

/// <summary>
/// A job never stays "running" for ever. While its host is away it may still be running there (its outbox delivers
/// the result later), so the job waits; once the host has been away for <see cref="Deadline"/> the job ends
/// <c>interrupted</c> with error class <c>host_away</c>. A result the host delivers after that still replaces this
/// ending (<see cref="JobStore.RecordResult"/>). A host that comes back without the job and without its result ends it
/// at once (<c>activeJobs</c>, in <see cref="AgentJobEvents"/>).
/// </summary>
internal sealed partial class AwayHostJobs(
    JobStore jobs, AgentStore agents, AgentConnections connections, AgentPresence presence, JobDispatcher dispatcher, JobViews views,
    TimeProvider time, ILogger<AwayHostJobs> logger)
{
    public static readonly TimeSpan Deadline = TimeSpan.FromHours(1);

    /// <summary>Ends the running jobs of hosts away for longer than <see cref="Deadline"/>.</summary>
    public void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var job in jobs.Running().Where(j => !connections.IsOnline(j.AgentId)))
        {
            var since = presence.LastSeen(job.AgentId) ?? Parse(agents.Find(job.AgentId)?.LastSeenAt) ?? Parse(job.DispatchedAt);
            if (since is { } seen && now - seen < Deadline)
            {
                continue;
            }

            var why = $"the host has been away since {since?.ToString("u", CultureInfo.InvariantCulture) ?? "before the job began"} "
                + $"(over {Deadline.TotalMinutes:F0} minutes) with this job unfinished; a result it delivers later replaces this";
            if (jobs.Finish(job.Id, JobStatuses.Interrupted, JobErrors.HostAway, why, [JobStatuses.Running]))
            {
                LogAway(logger, job.Id, job.AgentId);
                views.Ended(job.Id);
                dispatcher.TryDispatch(job.RepositoryId);
            }
        }
    }

    private static DateTimeOffset? Parse(string? at) =>
        DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var value) ? value : null;

    [LoggerMessage(67, LogLevel.Warning, "Job {JobId} ended interrupted: its agent {AgentId} has been away too long")]
    private static partial void LogAway(ILogger logger, string jobId, string agentId);
}

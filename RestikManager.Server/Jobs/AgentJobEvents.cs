using System.Collections.Concurrent;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Audit;
using RestikManager.Server.Events;
using RestikManager.Server.Snapshots;
using RestikManager.Server.Telemetry;

namespace RestikManager.Server.Jobs;

/// <summary>
/// What agents say about jobs. Every job message is first judged by <see cref="JobClaims"/>: only an
/// agent's own work is recorded. A result is recorded once and always acknowledged (a repeat is acknowledged again, so
/// the agent can let go of it; a refused one is acknowledged as refused); after a backup or forget the snapshot list is
/// refreshed through the same agent. When an agent reconnects, its jobs that it neither reported nor still runs are
/// marked interrupted.
/// </summary>
internal sealed partial class AgentJobEvents(
    JobStore jobs, JobClaims claims, JobDispatcher dispatcher, JobViews views, SnapshotService snapshots, AgentConnections connections,
    DomainEvents events, AuditLog audit, ServerTelemetry telemetry, ILogger<AgentJobEvents> logger) : IAgentEvents
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _connectedAt = new(StringComparer.Ordinal);

    public IReadOnlyCollection<Type> Handles { get; } = [typeof(JobStarted), typeof(JobProgress), typeof(JobResult), typeof(ActiveJobs)];

    /// <summary>Notes when the connection began. Jobs queued for the agent go out on the dispatcher's next pass (every few seconds).</summary>
    public void Online(AgentRecord agent, Hello hello, DateTimeOffset connectedAt) => _connectedAt[agent.Id] = connectedAt;

    public Breach? Received(string agentId, AgentMessage message)
    {
        switch (message)
        {
            case JobStarted started:
                var claim = Judge(agentId, "jobStarted", started);
                if (claim.Verdict == ClaimVerdict.Accepted)
                {
                    jobs.Started(agentId, started);
                    events.Publish(new JobStartedOnHost(agentId, started));
                }

                return claim.Verdict == ClaimVerdict.Forged ? Breach.Forged($"jobStarted refused: {claim.Why}") : null;
            case JobProgress progress:
                views.Progressed(agentId, progress);
                return null;
            case JobResult result:
                return Record(agentId, result);
            case ActiveJobs active:
                MarkLost(agentId, active.JobIds);
                return null;
            default:
                return Breach.Malformed("unexpected message");
        }
    }

    private Breach? Record(string agentId, JobResult result)
    {
        var claim = Judge(agentId, "jobResult", result);
        if (claim.Verdict == ClaimVerdict.Forged)
        {
            return Breach.Forged($"jobResult refused: {claim.Why}");
        }

        if (claim.Verdict == ClaimVerdict.Refused)
        {
            // Final: the agent drops it from its outbox rather than sending it on every connection.
            connections.TrySend(agentId, new ResultAck(result.JobId, claim.Why));
            return null;
        }

        // From here on the job's own facts come from the server's record where it has one, never from the claim.
        var repositoryId = claim.Known?.RepositoryId ?? result.RepositoryId;
        var recorded = jobs.RecordResult(agentId, result with { Error = Clip(result.Error, 8000), ErrorClass = Clip(result.ErrorClass, 40) });
        views.Ended(result.JobId);
        connections.TrySend(agentId, new ResultAck(result.JobId));
        if (!recorded)
        {
            LogRepeat(logger, result.JobId);
            return null;
        }

        LogResult(logger, result.Kind, result.JobId, agentId, result.Status, result.ErrorClass ?? "-");
        telemetry.JobEnded(agentId, result);
        if (result.Kind is JobKinds.Backup or JobKinds.Forget or JobKinds.Copy && result.Status is JobStatuses.Succeeded or JobStatuses.Partial)
        {
            snapshots.RefreshLater(repositoryId, agentId);
        }

        dispatcher.TryDispatch(repositoryId);
        return null;
    }

    /// <summary>Judges a claim; a refusal is logged at warning with the agent id and audited.</summary>
    private Claim Judge(string agentId, string what, IJobIdentity job)
    {
        var claim = claims.Check(agentId, job);
        if (claim.Verdict != ClaimVerdict.Accepted)
        {
            LogRefused(logger, what, job.JobId, agentId, job.RepositoryId, claim.Why);
            audit.Append($"agent:{agentId}", $"agent.{what}", $"job:{job.JobId}", "denied", $"{job.Kind} on repository {job.RepositoryId}: {claim.Why}");
        }

        return claim;
    }

    private void MarkLost(string agentId, IReadOnlyList<string> active)
    {
        if (!_connectedAt.TryGetValue(agentId, out var connectedAt))
        {
            return;
        }

        foreach (var id in jobs.RunningOn(agentId, connectedAt).Except(active, StringComparer.Ordinal))
        {
            if (jobs.Finish(id, JobStatuses.Interrupted, JobErrors.Interrupted,
                "the host no longer runs this job and had no result for it (it restarted before the job began)", [JobStatuses.Running]))
            {
                LogLost(logger, id, agentId);
                views.Ended(id);
                if (jobs.Find(id) is { } job)
                {
                    dispatcher.TryDispatch(job.RepositoryId);
                }
            }
        }
    }

    private static string? Clip(string? text, int max) => text is null || text.Length <= max ? text : text[..max] + "…";

    [LoggerMessage(61, LogLevel.Information, "Job {JobId} ({Kind}) on agent {AgentId} ended: {Status} ({ErrorClass})")]
    private static partial void LogResult(ILogger logger, string kind, string jobId, string agentId, string status, string errorClass);

    [LoggerMessage(62, LogLevel.Debug, "Result of job {JobId} was already recorded; acknowledged again")]
    private static partial void LogRepeat(ILogger logger, string jobId);

    [LoggerMessage(66, LogLevel.Warning, "Refused {What} for job {JobId} from agent {AgentId} (repository {RepositoryId}): {Why}")]
    private static partial void LogRefused(ILogger logger, string what, string jobId, string agentId, string repositoryId, string why);

    [LoggerMessage(63, LogLevel.Warning, "Job {JobId} was lost by agent {AgentId}: marked interrupted")]
    private static partial void LogLost(ILogger logger, string jobId, string agentId);
}

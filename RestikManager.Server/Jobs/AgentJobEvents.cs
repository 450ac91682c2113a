using System.Collections.Concurrent;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Plans;
using RestikManager.Server.Snapshots;
using RestikManager.Server.Telemetry;

namespace RestikManager.Server.Jobs;

/// <summary>
/// What agents say about jobs and queries. A result is recorded once and always acknowledged (a repeat is
/// acknowledged again, so the agent can let go of it); after a backup or forget the snapshot list is refreshed
/// through the same agent. When an agent reconnects, its jobs that it neither reported nor still runs are
/// marked interrupted.
/// </summary>
internal sealed partial class AgentJobEvents(
    JobStore jobs, JobDispatcher dispatcher, PlanDistributor plans, SnapshotService snapshots, QueryBroker queries,
    AgentConnections connections, ServerTelemetry telemetry, ILogger<AgentJobEvents> logger) : IAgentEvents
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _connectedAt = new(StringComparer.Ordinal);

    /// <summary>Sends the agent its plans. Jobs queued for it go out on the dispatcher's next pass (every few seconds).</summary>
    public void Online(AgentRecord agent, DateTimeOffset connectedAt)
    {
        _connectedAt[agent.Id] = connectedAt;
        plans.Push(agent);
    }

    public string? Received(string agentId, AgentMessage message)
    {
        switch (message)
        {
            case JobStarted started:
                if (Problem(started.JobId, started.Kind, started.RepositoryId) is { } startedProblem)
                {
                    return startedProblem;
                }

                jobs.Started(agentId, started);
                return null;
            case JobProgress progress:
                if (!WireValues.IsId(progress.JobId))
                {
                    return "bad job id";
                }

                if (jobs.Find(progress.JobId) is { Status: JobStatuses.Running } job && job.AgentId == agentId)
                {
                    dispatcher.Progress[progress.JobId] = progress with { CurrentFile = Clip(progress.CurrentFile, 300) };
                }

                return null;
            case JobResult result:
                return Record(agentId, result);
            case ActiveJobs active:
                if (active.JobIds.Count > 10_000 || !active.JobIds.All(WireValues.IsId))
                {
                    return "bad job ids";
                }

                MarkLost(agentId, active.JobIds);
                return null;
            case QueryReply reply:
                return queries.Accept(agentId, reply);
            default:
                return "unexpected message";
        }
    }

    private string? Record(string agentId, JobResult result)
    {
        if (Problem(result.JobId, result.Kind, result.RepositoryId) is { } problem)
        {
            return problem;
        }

        if (!JobStatuses.IsFinal(result.Status))
        {
            return $"'{Clip(result.Status, 20)}' is not a final status";
        }

        var recorded = jobs.RecordResult(agentId, result with { Error = Clip(result.Error, 8000), ErrorClass = Clip(result.ErrorClass, 40) });
        dispatcher.Progress.TryRemove(result.JobId, out _);
        connections.TrySend(agentId, new ResultAck(result.JobId));
        if (!recorded)
        {
            LogRepeat(logger, result.JobId);
            return null;
        }

        LogResult(logger, result.Kind, result.JobId, agentId, result.Status, result.ErrorClass ?? "-");
        telemetry.JobEnded(agentId, result);
        if (result.Kind is JobKinds.Backup or JobKinds.Forget && result.Status is JobStatuses.Succeeded or JobStatuses.Partial)
        {
            snapshots.RefreshLater(result.RepositoryId, agentId);
        }

        dispatcher.TryDispatch(result.RepositoryId);
        return null;
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
                if (jobs.Find(id) is { } job)
                {
                    dispatcher.TryDispatch(job.RepositoryId);
                }
            }
        }
    }

    private static string? Problem(string jobId, string kind, string repositoryId) =>
        !WireValues.IsId(jobId) ? "bad job id"
        : !JobKinds.All.Contains(kind) ? "unknown job kind"
        : !WireValues.IsId(repositoryId) ? "bad repository id"
        : null;

    private static string? Clip(string? text, int max) => text is null || text.Length <= max ? text : text[..max] + "…";

    [LoggerMessage(61, LogLevel.Information, "Job {JobId} ({Kind}) on agent {AgentId} ended: {Status} ({ErrorClass})")]
    private static partial void LogResult(ILogger logger, string kind, string jobId, string agentId, string status, string errorClass);

    [LoggerMessage(62, LogLevel.Debug, "Result of job {JobId} was already recorded; acknowledged again")]
    private static partial void LogRepeat(ILogger logger, string jobId);

    [LoggerMessage(63, LogLevel.Warning, "Job {JobId} was lost by agent {AgentId}: marked interrupted")]
    private static partial void LogLost(ILogger logger, string jobId, string agentId);
}

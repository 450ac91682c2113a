using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using System.Globalization;
using RestikManager.Server.Repositories;
using RestikManager.Server.Telemetry;

namespace RestikManager.Server.Jobs;

/// <summary>
/// Queues jobs and sends them to their agents when the repository allows: an exclusive job (forget, prune, check,
/// unlock, init) only when nothing else runs on that repository, and a backup or restore only when no exclusive job
/// does. Agents' scheduled backups count as running from their <c>jobStarted</c> on. A queued job waits for its
/// agent to come online. With replicas, each sends the jobs of the agents connected to it (a job carries the repository's
/// secrets, which never pass between replicas), and a repository's pass holds a lock in the database, so two replicas
/// never both decide that an exclusive job may start.
/// </summary>
internal sealed partial class JobDispatcher(
    JobStore jobs, RepositoryStore repositories, AgentConnections connections, ServerTelemetry telemetry, TimeProvider time,
    Data.Database database, Events.DomainEvents events, ILogger<JobDispatcher> logger) : Events.IHandles<JobsQueued>
{
    private readonly Lock _gate = new();

    /// <summary>Queues <paramref name="job"/> for <paramref name="agentId"/>, sends it if it may run now, and returns its row as it is then.</summary>
    public JobRecord Enqueue(JobSpec job, string agentId, string? subjectAgentId = null)
    {
        jobs.Enqueue(job, agentId, subjectAgentId);
        // Heard here at once (this replica sends what its agents may run) and by the other replicas for theirs.
        events.Publish(new JobsQueued(job.RepositoryId));
        return jobs.Find(job.JobId)!;
    }

    /// <summary>Jobs were queued on some replica: send those of this replica's agents (off the thread that heard it).</summary>
    public void Handle(JobsQueued domainEvent)
    {
        if (connections.LocalIds.Count == 0)
        {
            return;
        }

        if (Events.DomainEvents.FromAnotherReplica)
        {
            // What a dispatch publishes (the job changed) must reach the other replicas' pages too.
            _ = Task.Run(() => TryDispatch(domainEvent.RepositoryId));
            return;
        }

        TryDispatch(domainEvent.RepositoryId);
    }

    /// <summary>Sends whatever queued jobs of <paramref name="repositoryId"/> may run now.</summary>
    public void TryDispatch(string repositoryId)
    {
        lock (_gate)
        {
            using var held = database.Lock("dispatch:" + repositoryId);
            var unfinished = jobs.Unfinished(repositoryId);
            var running = unfinished.Where(j => j.Status == JobStatuses.Running).ToList();
            foreach (var job in unfinished.Where(j => j.Status == JobStatuses.Queued))
            {
                var exclusive = JobKinds.IsExclusive(job.Kind);
                if (exclusive ? running.Count > 0 : running.Any(r => JobKinds.IsExclusive(r.Kind)))
                {
                    // Jobs keep their order: nothing jumps a waiting exclusive job.
                    if (exclusive)
                    {
                        return;
                    }

                    continue;
                }

                if (!connections.IsLocal(job.AgentId) || JobStore.Spec(job) is not { } spec
                    || repositories.Access(job.RepositoryId) is not { } access)
                {
                    if (exclusive)
                    {
                        return;
                    }

                    continue;
                }

                if (spec.CopyFromRepositoryId is { } from)
                {
                    // A copy opens its source too (restic's RESTIC_FROM_*); what cannot be given to one restic fails it here.
                    var (merged, problem) = repositories.Access(from) is { } source
                        ? Repositories.CopyAccess.Merge(access, source)
                        : (null, "the plan's repository no longer exists");
                    if (merged is null)
                    {
                        jobs.Finish(job.Id, JobStatuses.Failed, JobErrors.Failed, "not started: " + problem, [JobStatuses.Queued]);
                        continue;
                    }

                    access = merged;
                }

                jobs.MarkDispatched(job);
                if (!connections.TrySend(job.AgentId, new RunJob(spec, access)))
                {
                    // The connection's queue is full or it just closed: try again on the next pass.
                    jobs.Requeue(job);
                    continue;
                }

                LogDispatched(logger, job.Kind, job.Id, job.AgentId);
                telemetry.Dispatched(job.Kind, time.GetUtcNow() - DateTimeOffset.Parse(job.CreatedAt, CultureInfo.InvariantCulture));
                running.Add(job with { Status = JobStatuses.Running });
            }
        }
    }

    public void TryDispatchAll()
    {
        foreach (var repository in jobs.RepositoriesWithQueuedJobs())
        {
            TryDispatch(repository);
        }
    }

    /// <summary>Cancels a job: a queued one ends here; a running one is stopped by its agent, which reports the end.</summary>
    public (bool Found, bool Accepted, string Message) Cancel(string id)
    {
        if (jobs.Find(id) is not { } job)
        {
            return (false, false, $"No job with id '{id}'.");
        }

        if (job.Status == JobStatuses.Queued
            && jobs.Finish(id, JobStatuses.Cancelled, JobErrors.Interrupted, "cancelled by an operator before it started", [JobStatuses.Queued]))
        {
            return (true, true, "cancelled");
        }

        if (job.Status != JobStatuses.Running)
        {
            return (true, false, $"The job has already ended ({job.Status}).");
        }

        return connections.TrySend(job.AgentId, new CancelJob(id))
            ? (true, true, "cancelling: the agent stops restic (SIGINT, then kill) and unlocks the repository")
            : (true, false, "The job's host is offline; it cannot be cancelled until it is back.");
    }

    [LoggerMessage(60, LogLevel.Information, "Sent {Kind} job {JobId} to agent {AgentId}")]
    private static partial void LogDispatched(ILogger logger, string kind, string jobId, string agentId);
}

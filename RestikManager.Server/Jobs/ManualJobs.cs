using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Audit;
using RestikManager.Server.Plans;
using RestikManager.Server.Repositories;
using RestikManager.Server.Snapshots;

namespace RestikManager.Server.Jobs;

/// <summary>
/// Start a job. <c>backup</c>, <c>forget</c>, <c>prune</c>, <c>check</c> take a plan (or, except backup, a repository);
/// <c>unlock</c> and <c>init</c> a repository; <c>restore</c> a repository, a snapshot, the host to restore on and an
/// absolute target directory (and optionally the path inside the snapshot to restore). restic puts files under
/// <c>target</c> + their original absolute path; <see cref="ContentsOnly"/> puts the contents of <c>path</c> straight into
/// <c>target</c> instead. <see cref="RestoreCommand"/>, instead of a target, streams the snapshot's file (a database dump)
/// into the command of that name in the host's allowlist.
/// </summary>
internal sealed record StartJobRequest(
    string? Kind, string? PlanId, string? RepositoryId, string? Host, string? SnapshotId, string? Path, string? Target, bool? ContentsOnly = null,
    string? RestoreCommand = null);


/// <summary>
/// An operator's job: checks what the request says, picks the host (named, or the first online host of the plan or of
/// the repository's plans) and queues it. A refusal changes nothing.
/// </summary>
internal sealed class ManualJobs(
    PlanStore plans, RepositoryStore repositories, PlanDistributor distributor, AgentStore agents, AgentConnections connections,
    SnapshotCache snapshots, JobDispatcher dispatcher, AuditLog audit)
{
    private static Refusal InvalidJob(string field, string message) => Refusal.Invalid("invalid_job", field, message);

    /// <summary>Queues the job <paramref name="actor"/> asked for (and audits it), or says why it was refused.</summary>
    public (JobRecord? Job, Refusal? Refusal) Start(StartJobRequest request, string actor)
    {
        var (job, spec, host, refusal) = Start(request);
        if (refusal is not null)
        {
            return (null, refusal);
        }

        audit.Append(actor, $"job.{job!.Kind}", $"host:{host!.Hostname}", detail: job.Kind == JobKinds.Restore
            ? $"{job.Id} snapshot {spec!.SnapshotId} {spec.IncludePath ?? "/"}{(spec.ContentsOnly ? "/*" : "")} -> {spec.Target ?? "restore command " + spec.RestoreCommand}" : job.Id);
        return (job, null);
    }

    /// <summary>Backs <paramref name="plan"/> up now on each of its online hosts, or only on <paramref name="host"/> (id or hostname).</summary>
    public (IReadOnlyList<JobRecord> Jobs, Refusal? Refusal) RunPlan(Plan plan, string? host, string actor)
    {
        var named = host is null ? null : agents.Resolve(host);
        var hosts = distributor.HostsOf(plan).Where(a => host is null || a.Id == named?.Id).ToList();
        if (hosts.Count == 0)
        {
            return ([], new Refusal(StatusCodes.Status409Conflict, "no_hosts", host is null
                ? $"Plan '{plan.Name}' has no enrolled hosts."
                : $"'{host}' is not one of the hosts of plan '{plan.Name}'."));
        }

        var online = hosts.Where(a => connections.IsOnline(a.Id)).ToList();
        if (online.Count == 0)
        {
            return ([], new Refusal(StatusCodes.Status409Conflict, "host_offline",
                host is null ? $"No host of plan '{plan.Name}' is online." : $"Host '{hosts[0].Hostname}' is not online."));
        }

        if (plan.NeedsAllowlist && online.FirstOrDefault(a => a.Allowlist is null) is { } old)
        {
            return ([], TooOld(old));
        }

        var jobs = online.Select(a => dispatcher.Enqueue(JobSpecs.ForPlan(JobKinds.Backup, plan, JobTriggers.Manual), a.Id)).ToList();
        audit.Append(actor, "plan.run", $"plan:{plan.Name}", detail: string.Join(",", jobs.Select(j => j.Id)));
        return (jobs, null);
    }

    /// <summary>Cancels a job for <paramref name="actor"/>: a queued one ends now, a running one is stopped by its agent.</summary>
    public Refusal? Cancel(string id, string actor)
    {
        var (found, accepted, message) = dispatcher.Cancel(id);
        if (!found)
        {
            return new Refusal(StatusCodes.Status404NotFound, "not_found", message);
        }

        if (!accepted)
        {
            return new Refusal(StatusCodes.Status409Conflict, "not_cancellable", message);
        }

        audit.Append(actor, "job.cancel", $"job:{id}");
        return null;
    }

    /// <summary>The queued job (its row and what it runs) and its host, or why it was refused.</summary>
    private (JobRecord? Job, JobSpec? Spec, AgentRecord? Host, Refusal? Refusal) Start(StartJobRequest request)
    {
        var kind = request.Kind?.Trim().ToLowerInvariant();
        if (kind is null || !JobKinds.All.Contains(kind))
        {
            return Refuse("kind", $"kind: one of {string.Join(", ", JobKinds.All.Where(k => k != JobKinds.Drill))}");
        }

        if (kind == JobKinds.Drill)
        {
            return Refuse("kind", "kind: a drill runs a plan's sample; start it with POST /api/v1/plans/{id}/drill");
        }

        // What a restore says about itself is checked first: a bad value is named whatever the hosts are doing.
        if ((kind == JobKinds.Restore ? RestoreProblem(request) : request.ContentsOnly is not null
                ? InvalidJob("contentsOnly", "contentsOnly: goes with a restore") : null) is { } problem)
        {
            return (null, null, null, problem);
        }

        Plan? plan = null;
        if (request.PlanId is not null && (plan = plans.Find(request.PlanId)) is null)
        {
            return Refuse("planId", $"planId: no plan with id '{request.PlanId}'");
        }

        var repositoryId = plan?.RepositoryId ?? request.RepositoryId;
        if (plan is null && (kind == JobKinds.Backup || repositoryId is null))
        {
            return kind == JobKinds.Backup
                ? Refuse("planId", "planId: a backup runs a plan")
                : Refuse("repositoryId", "repositoryId: name the repository (or a plan)");
        }

        if (repositories.Find(repositoryId!) is null)
        {
            return Refuse("repositoryId", $"repositoryId: no repository with id '{repositoryId}'");
        }

        var (host, refusal) = PickHost(kind, request, plan, repositoryId!);
        if (refusal is not null)
        {
            return (null, null, null, refusal);
        }

        if (!connections.IsOnline(host!.Id))
        {
            return (null, null, null, new Refusal(StatusCodes.Status409Conflict, "host_offline", $"Host '{host.Hostname}' is not online."));
        }

        if (kind == JobKinds.Backup && plan!.NeedsAllowlist && host.Allowlist is null)
        {
            return (null, null, null, TooOld(host));
        }

        if (request.RestoreCommand is { } command && !host.Allows(command, k => k == AllowlistKinds.RestoreCommand))
        {
            return Refuse("restoreCommand", $"restoreCommand: host '{host.Hostname}' does not allow a restore command '{command}' " +
                $"(its allowlist holds {Allowed(host, AllowlistKinds.RestoreCommand)})");
        }

        var job = plan is not null ? JobSpecs.ForPlan(kind, plan, JobTriggers.Manual) : JobSpecs.ForRepository(kind, repositoryId!, JobTriggers.Manual);
        if (kind == JobKinds.Restore)
        {
            var snapshot = snapshots.Find(repositoryId!, request.SnapshotId!)?.Id ?? request.SnapshotId;
            job = job with
            {
                SnapshotId = snapshot, Target = request.Target, IncludePath = request.Path, ContentsOnly = request.ContentsOnly == true,
                RestoreCommand = request.RestoreCommand,
            };
        }

        return (dispatcher.Enqueue(job, host.Id), job, host, null);
    }

    private static Refusal? RestoreProblem(StartJobRequest request)
    {
        if (!WireValues.IsSnapshotId(request.SnapshotId))
        {
            return InvalidJob("snapshotId", "snapshotId: a snapshot id is 8 to 64 hex digits");
        }

        if (request.RestoreCommand is { } command)
        {
            return !WireValues.IsAllowName(command) ? InvalidJob("restoreCommand", "restoreCommand: the name of a restore-command entry in the host's allowlist")
                : request.Target is not null ? InvalidJob("target", "target: a restore into a restore command has no target directory; give one or the other")
                : request.ContentsOnly is not null ? InvalidJob("contentsOnly", "contentsOnly: goes with a target directory, not a restore command")
                : request.Path is not null && !WireValues.IsAbsolutePath(request.Path) ? InvalidJob("path", "path: " + WireValues.PathProblem(request.Path))
                : null;
        }

        if (!WireValues.IsAbsolutePath(request.Target))
        {
            return InvalidJob("target", request.Target is null ? "target: give an absolute directory on the host to restore into"
                : "target: " + WireValues.PathProblem(request.Target));
        }

        return request.Path is not null && !WireValues.IsAbsolutePath(request.Path)
            ? InvalidJob("path", "path: the part of the snapshot to restore is an absolute path such as /home/alice; "
                + WireValues.PathProblem(request.Path))
            : null;
    }

    private (AgentRecord? Host, Refusal? Refusal) PickHost(string kind, StartJobRequest request, Plan? plan, string repositoryId)
    {
        if (request.Host is not null)
        {
            if (agents.Resolve(request.Host) is not { } named)
            {
                return (null, InvalidJob("host", $"host: no enrolled host '{request.Host}'"));
            }

            return kind == JobKinds.Backup && !PlanDistributor.Targets(plan!, named)
                ? (null, InvalidJob("host", $"host: '{named.Hostname}' is not one of the hosts of plan '{plan!.Name}'"))
                : (named, null);
        }

        if (kind == JobKinds.Restore)
        {
            return (null, InvalidJob("host", "host: name the host to restore on"));
        }

        var candidates = plan is not null ? distributor.HostsOf(plan) : distributor.HostsOf(plans.OfRepository(repositoryId));
        return candidates.Count == 0
            ? (null, InvalidJob("host", "host: no plan uses this repository; name the host to run the job on"))
            : (candidates.FirstOrDefault(a => connections.IsOnline(a.Id)) ?? candidates[0], null);
    }

    private static string Allowed(AgentRecord host, string kind) =>
        host.Allowed is not { } list ? "nothing: its agent is older than hooks"
        : list.Where(e => e.Kind == kind && e.Problem is null).Select(e => e.Name).ToList() is { Count: > 0 } names ? string.Join(", ", names)
        : "none";

    private static Refusal TooOld(AgentRecord host) => new(StatusCodes.Status409Conflict, "agent_too_old",
        $"Host '{host.Hostname}' runs an agent older than hooks and database sources, which would skip them; update its agent first.");

    private static (JobRecord?, JobSpec?, AgentRecord?, Refusal?) Refuse(string field, string message) =>
        (null, null, null, InvalidJob(field, message));
}

using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Audit;
using RestikManager.Server.Plans;
using RestikManager.Server.Repositories;
using RestikManager.Server.Snapshots;
using RestikManager.Server.Web;

namespace RestikManager.Server.Jobs;

/// <summary>
/// Start a job. <c>backup</c>, <c>forget</c>, <c>prune</c>, <c>check</c> take a plan (or, except backup, a repository);
/// <c>unlock</c> and <c>init</c> a repository; <c>restore</c> a repository, a snapshot, the host to restore on and an
/// absolute target directory (and optionally the path inside the snapshot to restore). restic puts files under
/// <c>target</c> + their original absolute path; <see cref="ContentsOnly"/> puts the contents of <c>path</c> straight into
/// <c>target</c> instead.
/// </summary>
internal sealed record StartJobRequest(
    string? Kind, string? PlanId, string? RepositoryId, string? Host, string? SnapshotId, string? Path, string? Target, bool? ContentsOnly = null);

/// <summary><c>/api/v1/jobs</c>: history, one job with its live progress, start and cancel.</summary>
internal static class JobsApi
{
    public static RouteGroupBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/jobs").WithTags("Jobs");
        group.MapGet("", List).RequireAuthorization(Roles.CanView);
        group.MapGet("/{id}", (string id, JobStore jobs, JobDispatcher dispatcher) => jobs.Find(id) is { } job
            ? Results.Ok(dispatcher.View(job)) : ApiErrors.NotFound("not_found", $"No job with id '{id}'.")).RequireAuthorization(Roles.CanView);
        group.MapPost("", Start).RequireAuthorization(Roles.CanOperate);
        group.MapPost("/{id}/cancel", Cancel).RequireAuthorization(Roles.CanOperate);
        return group;
    }

    private static Results<Ok<List<JobView>>, JsonHttpResult<ErrorEnvelope>> List(
        string? plan, string? host, string? repository, string? status, int? limit, JobStore jobs, JobDispatcher dispatcher)
    {
        if (limit is < 1 or > 1000)
        {
            return ApiErrors.Create(StatusCodes.Status400BadRequest, "invalid_request", "limit is 1 to 1000.", "limit");
        }

        return TypedResults.Ok(jobs.List(plan, host, repository, status, limit ?? 100).Select(dispatcher.View).ToList());
    }

    private static Results<Accepted<JobView>, JsonHttpResult<ErrorEnvelope>> Start(
        StartJobRequest request, PlanStore plans, RepositoryStore repositories, PlanDistributor distributor, AgentStore agents,
        AgentConnections connections, SnapshotCache snapshots, JobDispatcher dispatcher, ClaimsPrincipal user, AuditLog audit)
    {
        var kind = request.Kind?.Trim().ToLowerInvariant();
        if (kind is null || !JobKinds.All.Contains(kind))
        {
            return Invalid("kind", $"kind: one of {string.Join(", ", JobKinds.All)}");
        }

        // What a restore says about itself is checked first: a bad value is named whatever the hosts are doing.
        if (kind == JobKinds.Restore)
        {
            if (!WireValues.IsSnapshotId(request.SnapshotId))
            {
                return Invalid("snapshotId", "snapshotId: a snapshot id is 8 to 64 hex digits");
            }

            if (!WireValues.IsAbsolutePath(request.Target))
            {
                return Invalid("target", request.Target is null ? "target: give an absolute directory on the host to restore into"
                    : "target: " + WireValues.PathProblem(request.Target));
            }

            if (request.Path is not null && !WireValues.IsAbsolutePath(request.Path))
            {
                return Invalid("path", "path: the part of the snapshot to restore is an absolute path such as /home/alice; "
                    + WireValues.PathProblem(request.Path));
            }
        }

        Plan? plan = null;
        if (request.PlanId is not null && (plan = plans.Find(request.PlanId)) is null)
        {
            return Invalid("planId", $"planId: no plan with id '{request.PlanId}'");
        }

        var repositoryId = plan?.RepositoryId ?? request.RepositoryId;
        if (plan is null && (kind == JobKinds.Backup || repositoryId is null))
        {
            return Invalid(kind == JobKinds.Backup ? "planId" : "repositoryId",
                kind == JobKinds.Backup ? "planId: a backup runs a plan" : "repositoryId: name the repository (or a plan)");
        }

        if (repositories.Find(repositoryId!) is null)
        {
            return Invalid("repositoryId", $"repositoryId: no repository with id '{repositoryId}'");
        }

        // The host: named, or the first online host of the plan (or of any plan on the repository).
        var live = agents.List().Where(a => a.RevokedAt is null).ToList();
        AgentRecord? host;
        if (request.Host is not null)
        {
            host = live.FirstOrDefault(a => a.Id == request.Host || string.Equals(a.Hostname, request.Host, StringComparison.OrdinalIgnoreCase));
            if (host is null)
            {
                return Invalid("host", $"host: no enrolled host '{request.Host}'");
            }

            if (kind == JobKinds.Backup && !PlanDistributor.Targets(plan!, host))
            {
                return Invalid("host", $"host: '{host.Hostname}' is not one of the hosts of plan '{plan!.Name}'");
            }
        }
        else if (kind == JobKinds.Restore)
        {
            return Invalid("host", "host: name the host to restore on");
        }
        else
        {
            var candidates = plan is not null ? distributor.HostsOf(plan) : plans.List().Where(p => p.RepositoryId == repositoryId).SelectMany(distributor.HostsOf).ToList();
            host = candidates.FirstOrDefault(a => connections.IsOnline(a.Id)) ?? (candidates.Count > 0 ? candidates[0] : null);
            if (host is null)
            {
                return Invalid("host", "host: no plan uses this repository; name the host to run the job on");
            }
        }

        if (!connections.IsOnline(host.Id))
        {
            return ApiErrors.Create(StatusCodes.Status409Conflict, "host_offline", $"Host '{host.Hostname}' is not online.");
        }

        var job = plan is not null
            ? JobRequest.ForPlan(kind, plan, host.Id, "manual")
            : new JobRequest(kind, repositoryId!, host.Id, "manual");
        if (kind == JobKinds.Restore)
        {
            var snapshot = snapshots.Find(repositoryId!, request.SnapshotId!)?.Id ?? request.SnapshotId;
            job = job with { SnapshotId = snapshot, Target = request.Target, IncludePath = request.Path, ContentsOnly = request.ContentsOnly == true };
        }

        else if (request.ContentsOnly is not null)
        {
            return Invalid("contentsOnly", "contentsOnly: goes with a restore");
        }

        var view = dispatcher.Enqueue(job);
        audit.Append(user.Actor(), $"job.{kind}", $"host:{host.Hostname}", detail: kind == JobKinds.Restore
            ? $"{view.Id} snapshot {job.SnapshotId} {job.IncludePath ?? "/"}{(job.ContentsOnly ? "/*" : "")} -> {job.Target}" : view.Id);
        return TypedResults.Accepted($"/api/v1/jobs/{view.Id}", view);
    }

    private static Results<Accepted<JobView>, JsonHttpResult<ErrorEnvelope>> Cancel(
        string id, JobStore jobs, JobDispatcher dispatcher, ClaimsPrincipal user, AuditLog audit)
    {
        var (found, accepted, message) = dispatcher.Cancel(id);
        if (!found)
        {
            return ApiErrors.NotFound("not_found", message);
        }

        if (!accepted)
        {
            return ApiErrors.Create(StatusCodes.Status409Conflict, "not_cancellable", message);
        }

        audit.Append(user.Actor(), "job.cancel", $"job:{id}");
        return TypedResults.Accepted($"/api/v1/jobs/{id}", dispatcher.View(jobs.Find(id)!));
    }

    private static JsonHttpResult<ErrorEnvelope> Invalid(string field, string message) =>
        ApiErrors.Create(StatusCodes.Status400BadRequest, "invalid_job", message, field);
}

using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Accounts;
using RestikManager.Server.Audit;
using RestikManager.Server.Web;

namespace RestikManager.Server.Jobs;

/// <summary><c>/api/v1/jobs</c>: history, one job with its live progress, start and cancel.</summary>
internal static class JobsApi
{
    public static RouteGroupBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/jobs").WithTags("Jobs");
        group.MapGet("", List).RequireAuthorization(Roles.CanView);
        group.MapGet("/{id}", (string id, JobViews views) => views.Find(id) is { } job
            ? Results.Ok(job) : ApiErrors.NotFound("not_found", $"No job with id '{id}'.")).RequireAuthorization(Roles.CanView);
        group.MapPost("", Start).RequireAuthorization(Roles.CanOperate);
        group.MapPost("/{id}/cancel", Cancel).RequireAuthorization(Roles.CanOperate);
        return group;
    }

    private static Results<Ok<IReadOnlyList<JobView>>, JsonHttpResult<ErrorEnvelope>> List(
        string? plan, string? host, string? repository, string? status, int? limit, JobViews views)
    {
        if (limit is < 1 or > 1000)
        {
            return ApiErrors.Create(StatusCodes.Status400BadRequest, "invalid_request", "limit is 1 to 1000.", "limit");
        }

        return TypedResults.Ok(views.List(plan, host, repository, status, limit ?? 100));
    }

    private static Results<Accepted<JobView>, JsonHttpResult<ErrorEnvelope>> Start(
        StartJobRequest request, ManualJobs manual, JobViews views, ClaimsPrincipal user, AuditLog audit)
    {
        var (job, spec, host, refusal) = manual.Start(request);
        if (refusal is not null)
        {
            return ApiErrors.Create(refusal.Status, refusal.Code, refusal.Message, refusal.Field);
        }

        audit.Append(user.Actor(), $"job.{job!.Kind}", $"host:{host!.Hostname}", detail: job.Kind == JobKinds.Restore
            ? $"{job.Id} snapshot {spec!.SnapshotId} {spec.IncludePath ?? "/"}{(spec.ContentsOnly ? "/*" : "")} -> {spec.Target}" : job.Id);
        return TypedResults.Accepted($"/api/v1/jobs/{job.Id}", views.View(job));
    }

    private static Results<Accepted<JobView>, JsonHttpResult<ErrorEnvelope>> Cancel(
        string id, JobDispatcher dispatcher, JobViews views, ClaimsPrincipal user, AuditLog audit)
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
        return TypedResults.Accepted($"/api/v1/jobs/{id}", views.Find(id)!);
    }
}

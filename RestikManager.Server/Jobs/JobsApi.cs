using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Accounts;
using RestikManager.Server.Api;

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
        // Running a plan now is starting jobs: the route is the plan's, the work is this feature's.
        app.MapPost("/api/v1/plans/{id}/run", RunPlan).WithTags("Plans").RequireAuthorization(Roles.CanOperate);
        app.MapPost("/api/v1/plans/{id}/drill", DrillPlan).WithTags("Plans").RequireAuthorization(Roles.CanOperate);
        app.MapPost("/api/v1/plans/{id}/copy", CopyPlan).WithTags("Plans").RequireAuthorization(Roles.CanOperate);
        return group;
    }

    private static Results<Ok<IReadOnlyList<JobView>>, JsonHttpResult<ErrorEnvelope>> List(
        string? plan, string? host, string? repository, string? status, string? kind, int? limit, JobViews views)
    {
        if (limit is < 1 or > 1000)
        {
            return ApiErrors.Create(StatusCodes.Status400BadRequest, "invalid_request", "limit is 1 to 1000.", "limit");
        }

        if (kind is not null && !JobKinds.All.Contains(kind))
        {
            return ApiErrors.Create(StatusCodes.Status400BadRequest, "invalid_request", $"kind is one of {string.Join(", ", JobKinds.All)}.", "kind");
        }

        return TypedResults.Ok(views.List(plan, host, repository, status, limit ?? 100, kind));
    }

    private static Results<Accepted<JobView>, JsonHttpResult<ErrorEnvelope>> Start(
        StartJobRequest request, ManualJobs manual, JobViews views, ClaimsPrincipal user)
    {
        var (job, refusal) = manual.Start(request, user.Actor());
        return refusal is not null
            ? refusal.ToResult()
            : TypedResults.Accepted($"/api/v1/jobs/{job!.Id}", views.View(job));
    }

    private static Results<Accepted<JobView>, JsonHttpResult<ErrorEnvelope>> Cancel(
        string id, ManualJobs manual, JobViews views, ClaimsPrincipal user) =>
        manual.Cancel(id, user.Actor()) is { } refusal
            ? refusal.ToResult()
            : TypedResults.Accepted($"/api/v1/jobs/{id}", views.Find(id)!);

    /// <summary>Backs the plan up now on each of its hosts (or one, with <c>?host=</c>).</summary>
    private static Results<Accepted<List<JobView>>, JsonHttpResult<ErrorEnvelope>> RunPlan(
        string id, string? host, Plans.PlanStore plans, ManualJobs manual, JobViews views, ClaimsPrincipal user) =>
        StartForPlan(id, plans, views, plan => manual.RunPlan(plan, host, user.Actor()));

    /// <summary>Copies the plan's snapshots to its copy targets now: one job per target.</summary>
    private static Results<Accepted<List<JobView>>, JsonHttpResult<ErrorEnvelope>> CopyPlan(
        string id, Plans.PlanStore plans, PlanCopies copies, JobViews views, ClaimsPrincipal user) =>
        StartForPlan(id, plans, views, plan => copies.Run(plan, user.Actor()));

    /// <summary>Runs the plan's restore drill now: one job per host of the plan with a successful backup.</summary>
    private static Results<Accepted<List<JobView>>, JsonHttpResult<ErrorEnvelope>> DrillPlan(
        string id, Plans.PlanStore plans, PlanDrills drills, JobViews views, ClaimsPrincipal user) =>
        StartForPlan(id, plans, views, plan => drills.Run(plan, user.Actor()));

    /// <summary>The plan's jobs that <paramref name="start"/> queued (202), or why not (404 for an unknown plan).</summary>
    private static Results<Accepted<List<JobView>>, JsonHttpResult<ErrorEnvelope>> StartForPlan(
        string id, Plans.PlanStore plans, JobViews views, Func<Plans.Plan, (IReadOnlyList<JobRecord> Jobs, Refusal? Refusal)> start)
    {
        if (plans.Find(id) is not { } plan)
        {
            return ApiErrors.NotFound("not_found", $"No plan with id '{id}'.");
        }

        var (jobs, refusal) = start(plan);
        return refusal is not null
            ? refusal.ToResult()
            : TypedResults.Accepted("/api/v1/jobs", jobs.Select(views.View).ToList());
    }
}

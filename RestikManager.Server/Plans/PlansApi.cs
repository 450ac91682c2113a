using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Audit;
using RestikManager.Server.Jobs;
using RestikManager.Server.Repositories;
using RestikManager.Server.Web;

namespace RestikManager.Server.Plans;

/// <summary><c>/api/v1/plans</c>: define plans, and run one now.</summary>
internal static class PlansApi
{
    public static RouteGroupBuilder MapPlansApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/plans").WithTags("Plans");
        group.MapGet("", (PlanStore plans) => TypedResults.Ok(plans.List().ToList())).RequireAuthorization(Roles.CanView);
        group.MapGet("/{id}", (string id, PlanStore plans) => plans.Find(id) is { } plan ? Results.Ok(plan) : NotFound(id)).RequireAuthorization(Roles.CanView);
        group.MapPost("", Create).RequireAuthorization(Roles.CanAdminister);
        group.MapPut("/{id}", Update).RequireAuthorization(Roles.CanAdminister);
        group.MapDelete("/{id}", Delete).RequireAuthorization(Roles.CanAdminister);
        group.MapPost("/{id}/run", Run).RequireAuthorization(Roles.CanOperate);
        return group;
    }

    private static Results<Created<Plan>, JsonHttpResult<ErrorEnvelope>> Create(
        PlanRequest request, PlanStore plans, RepositoryStore repositories, AgentStore agents, PlanDistributor distributor,
        ClaimsPrincipal user, AuditLog audit)
    {
        var (plan, problem) = PlanValidation.Validate(request, Guid.NewGuid().ToString("N"), plans, repositories, agents);
        if (problem is not null)
        {
            return Invalid(problem);
        }

        var saved = plans.Save(plan!);
        audit.Append(user.Actor(), "plan.create", $"plan:{saved.Name}", detail: saved.Id);
        distributor.PushAll();
        return TypedResults.Created($"/api/v1/plans/{saved.Id}", saved);
    }

    private static Results<Ok<Plan>, JsonHttpResult<ErrorEnvelope>> Update(
        string id, PlanRequest request, PlanStore plans, RepositoryStore repositories, AgentStore agents, PlanDistributor distributor,
        ClaimsPrincipal user, AuditLog audit)
    {
        if (plans.Find(id) is null)
        {
            return NotFound(id);
        }

        var (plan, problem) = PlanValidation.Validate(request, id, plans, repositories, agents);
        if (problem is not null)
        {
            return Invalid(problem);
        }

        var saved = plans.Save(plan!);
        audit.Append(user.Actor(), "plan.update", $"plan:{saved.Name}", detail: saved.Id);
        distributor.PushAll();
        return TypedResults.Ok(saved);
    }

    private static Results<NoContent, JsonHttpResult<ErrorEnvelope>> Delete(
        string id, PlanStore plans, PlanDistributor distributor, ClaimsPrincipal user, AuditLog audit)
    {
        if (plans.Find(id) is not { } plan)
        {
            return NotFound(id);
        }

        plans.Delete(id);
        audit.Append(user.Actor(), "plan.delete", $"plan:{plan.Name}", detail: id);
        distributor.PushAll();
        return TypedResults.NoContent();
    }

    /// <summary>Backs the plan up now on each of its hosts (or one, with <c>?host=</c>).</summary>
    private static Results<Accepted<List<JobView>>, JsonHttpResult<ErrorEnvelope>> Run(
        string id, string? host, PlanStore plans, PlanDistributor distributor, AgentStore agents, JobDispatcher dispatcher, JobViews views,
        AgentConnections connections,
        ClaimsPrincipal user, AuditLog audit)
    {
        if (plans.Find(id) is not { } plan)
        {
            return NotFound(id);
        }

        var named = host is null ? null : agents.Resolve(host);
        var hosts = distributor.HostsOf(plan).Where(a => host is null || a.Id == named?.Id).ToList();
        if (hosts.Count == 0)
        {
            return ApiErrors.Create(StatusCodes.Status409Conflict, "no_hosts", host is null
                ? $"Plan '{plan.Name}' has no enrolled hosts."
                : $"'{host}' is not one of the hosts of plan '{plan.Name}'.");
        }

        var online = hosts.Where(a => connections.IsOnline(a.Id)).ToList();
        if (online.Count == 0)
        {
            return ApiErrors.Create(StatusCodes.Status409Conflict, "host_offline", $"No host of plan '{plan.Name}' is online.");
        }

        var jobs = online.Select(a => views.View(dispatcher.Enqueue(JobSpecs.ForPlan(JobKinds.Backup, plan, JobTriggers.Manual), a.Id))).ToList();
        audit.Append(user.Actor(), "plan.run", $"plan:{plan.Name}", detail: string.Join(",", jobs.Select(j => j.Id)));
        return TypedResults.Accepted("/api/v1/jobs", jobs);
    }

    private static JsonHttpResult<ErrorEnvelope> Invalid(PlanProblem problem) =>
        ApiErrors.Create(StatusCodes.Status400BadRequest, "invalid_plan", problem.Message, problem.Field);

    private static JsonHttpResult<ErrorEnvelope> NotFound(string id) => ApiErrors.NotFound("not_found", $"No plan with id '{id}'.");
}

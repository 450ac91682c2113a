using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Server.Accounts;
using RestikManager.Server.Api;

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
        return group;
    }

    private static Results<Created<Plan>, JsonHttpResult<ErrorEnvelope>> Create(PlanRequest request, PlanCommands commands, ClaimsPrincipal user)
    {
        var (plan, problem) = commands.Create(request, user.Actor());
        return problem is not null ? Invalid(problem) : TypedResults.Created($"/api/v1/plans/{plan!.Id}", plan);
    }

    private static Results<Ok<Plan>, JsonHttpResult<ErrorEnvelope>> Update(
        string id, PlanRequest request, PlanStore plans, PlanCommands commands, ClaimsPrincipal user)
    {
        if (plans.Find(id) is null)
        {
            return NotFound(id);
        }

        var (plan, problem) = commands.Update(id, request, user.Actor());
        return problem is not null ? Invalid(problem) : TypedResults.Ok(plan!);
    }

    private static Results<NoContent, JsonHttpResult<ErrorEnvelope>> Delete(string id, PlanCommands commands, ClaimsPrincipal user) =>
        commands.Delete(id, user.Actor()) ? TypedResults.NoContent() : NotFound(id);

    private static JsonHttpResult<ErrorEnvelope> Invalid(Refusal problem) => problem.ToResult();

    private static JsonHttpResult<ErrorEnvelope> NotFound(string id) => ApiErrors.NotFound("not_found", $"No plan with id '{id}'.");
}

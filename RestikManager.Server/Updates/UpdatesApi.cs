using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Api;

namespace RestikManager.Server.Updates;

/// <summary>Agent self-update: <c>/api/v1/agent-updates</c> (policy and rollout) and <c>POST /api/v1/hosts/{id}/update</c>.</summary>
internal static class UpdatesApi
{
    public static IHostApplicationBuilder AddUpdates(this IHostApplicationBuilder builder)
    {
        builder.AddJson(UpdatesJson.Default);
        builder.Services.AddOptions<UpdateOptions>().BindConfiguration(UpdateOptions.Section)
            .Validate(o => o.Problem() is null, "Updates options are invalid: EvaluateEvery ≥ 100 ms, ComeBackWithin ≥ 10 s, 1 ≤ MaxInFlight ≤ 10000")
            .ValidateOnStart();
        builder.Services.AddSingleton<UpdateStore>();
        builder.Services.AddSingleton<Rollout>();
        builder.Services.AddHostedService(s => s.GetRequiredService<Rollout>());
        builder.Services.AddSingleton<IAgentEvents>(s => s.GetRequiredService<Rollout>());
        builder.Services.AddSingleton<UpdateCommands>();
        return builder;
    }

    public static RouteGroupBuilder MapUpdatesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Agent updates");
        group.MapGet("/agent-updates", async (UpdateCommands commands, CancellationToken ct) => TypedResults.Ok(await commands.StatusAsync(ct)))
            .RequireAuthorization(Roles.CanView);
        group.MapPut("/agent-updates", ChangePolicy).RequireAuthorization(Roles.CanAdminister);
        group.MapPost("/hosts/{id}/update", UpdateNow).RequireAuthorization(Roles.CanAdminister);
        return group;
    }

    private static async Task<Results<Ok<UpdateStatusView>, JsonHttpResult<ErrorEnvelope>>> ChangePolicy(
        UpdatePolicyRequest request, ClaimsPrincipal user, UpdateCommands commands, CancellationToken ct)
    {
        if (commands.ChangePolicy(request, user.Actor()) is { } refusal)
        {
            return refusal.ToResult();
        }

        return TypedResults.Ok(await commands.StatusAsync(ct));
    }

    private static async Task<Results<Accepted<UpdateOffered>, JsonHttpResult<ErrorEnvelope>>> UpdateNow(
        string id, ClaimsPrincipal user, UpdateCommands commands, CancellationToken ct)
    {
        var (offered, refusal) = await commands.UpdateNowAsync(id, user.Actor(), ct);
        return refusal is not null
            ? refusal.ToResult()
            : TypedResults.Accepted($"/api/v1/hosts/{offered!.HostId}", offered);
    }
}

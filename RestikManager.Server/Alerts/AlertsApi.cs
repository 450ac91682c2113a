using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Server.Accounts;
using RestikManager.Server.Api;

namespace RestikManager.Server.Alerts;

/// <summary>The answer of a channel's Send test that the receiver took (a failed one is a 502 envelope naming why).</summary>
internal sealed record ChannelTestResult(bool Delivered);

/// <summary>
/// <c>/api/v1/notification-channels</c>, <c>/api/v1/alert-rules</c> and <c>/api/v1/alerts</c>: admins write, viewers
/// read; channel secrets go in and never come out.
/// </summary>
internal static class AlertsApi
{
    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        var channels = app.MapGroup("/api/v1/notification-channels").WithTags("Alerts");
        channels.MapGet("", (AlertViews views) => TypedResults.Ok(views.Channels())).RequireAuthorization(Roles.CanView);
        channels.MapGet("/{id}", GetChannel).RequireAuthorization(Roles.CanView);
        channels.MapPost("", CreateChannel).RequireAuthorization(Roles.CanAdminister);
        channels.MapPut("/{id}", UpdateChannel).RequireAuthorization(Roles.CanAdminister);
        channels.MapDelete("/{id}", DeleteChannel).RequireAuthorization(Roles.CanAdminister);
        channels.MapPost("/{id}/test", TestChannel).RequireAuthorization(Roles.CanAdminister);

        var rules = app.MapGroup("/api/v1/alert-rules").WithTags("Alerts");
        rules.MapGet("", (RuleStore store) => TypedResults.Ok(store.List().Select(AlertViews.Rule).ToList())).RequireAuthorization(Roles.CanView);
        rules.MapGet("/{id}", GetRule).RequireAuthorization(Roles.CanView);
        rules.MapPost("", CreateRule).RequireAuthorization(Roles.CanAdminister);
        rules.MapPut("/{id}", UpdateRule).RequireAuthorization(Roles.CanAdminister);
        rules.MapDelete("/{id}", DeleteRule).RequireAuthorization(Roles.CanAdminister);

        app.MapGet("/api/v1/alerts", ListAlerts).WithTags("Alerts").RequireAuthorization(Roles.CanView);
        return app;
    }

    private static Results<Ok<ChannelView>, JsonHttpResult<ErrorEnvelope>> GetChannel(string id, ChannelStore store, AlertViews views) =>
        store.Find(id) is { } c ? TypedResults.Ok(views.Channel(c)) : NoChannel(id);

    private static Results<Created<ChannelView>, JsonHttpResult<ErrorEnvelope>> CreateChannel(
        ChannelRequest request, ChannelCommands commands, AlertViews views, ClaimsPrincipal user)
    {
        var (saved, refusal) = commands.Create(request, user.Actor());
        return refusal is not null ? refusal.ToResult() : TypedResults.Created($"/api/v1/notification-channels/{saved!.Id}", views.Channel(saved));
    }

    private static Results<Ok<ChannelView>, JsonHttpResult<ErrorEnvelope>> UpdateChannel(
        string id, ChannelRequest request, ChannelStore store, ChannelCommands commands, AlertViews views, ClaimsPrincipal user)
    {
        if (store.Find(id) is not { } existing)
        {
            return NoChannel(id);
        }

        var (saved, refusal) = commands.Update(existing, request, user.Actor());
        return refusal is not null ? refusal.ToResult() : TypedResults.Ok(views.Channel(saved!));
    }

    private static Results<NoContent, JsonHttpResult<ErrorEnvelope>> DeleteChannel(string id, ChannelStore store, ChannelCommands commands, ClaimsPrincipal user) =>
        store.Find(id) is not { } existing ? NoChannel(id)
        : commands.Delete(existing, user.Actor()) is { } refusal ? refusal.ToResult() : TypedResults.NoContent();

    private static async Task<Results<Ok<ChannelTestResult>, JsonHttpResult<ErrorEnvelope>>> TestChannel(
        string id, ChannelStore store, ChannelCommands commands, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (store.Find(id) is not { } channel)
        {
            return NoChannel(id);
        }

        // The receiver's failure is the answer, not a fault of this server: 502, with the cause in words.
        return await commands.TestAsync(channel, user.Actor(), cancellationToken) is { } error
            ? ApiErrors.Create(StatusCodes.Status502BadGateway, "delivery_failed", error)
            : TypedResults.Ok(new ChannelTestResult(true));
    }

    private static Results<Ok<RuleView>, JsonHttpResult<ErrorEnvelope>> GetRule(string id, RuleStore store) =>
        store.Find(id) is { } r ? TypedResults.Ok(AlertViews.Rule(r)) : NoRule(id);

    private static Results<Created<RuleView>, JsonHttpResult<ErrorEnvelope>> CreateRule(RuleRequest request, RuleCommands commands, ClaimsPrincipal user)
    {
        var (saved, refusal) = commands.Create(request, user.Actor());
        return refusal is not null ? refusal.ToResult() : TypedResults.Created($"/api/v1/alert-rules/{saved!.Id}", AlertViews.Rule(saved));
    }

    private static Results<Ok<RuleView>, JsonHttpResult<ErrorEnvelope>> UpdateRule(
        string id, RuleRequest request, RuleStore store, RuleCommands commands, ClaimsPrincipal user)
    {
        if (store.Find(id) is not { } existing)
        {
            return NoRule(id);
        }

        var (saved, refusal) = commands.Update(existing, request, user.Actor());
        return refusal is not null ? refusal.ToResult() : TypedResults.Ok(AlertViews.Rule(saved!));
    }

    private static Results<NoContent, JsonHttpResult<ErrorEnvelope>> DeleteRule(string id, RuleStore store, RuleCommands commands, ClaimsPrincipal user)
    {
        if (store.Find(id) is not { } existing)
        {
            return NoRule(id);
        }

        commands.Delete(existing, user.Actor());
        return TypedResults.NoContent();
    }

    private static Results<Ok<IReadOnlyList<AlertView>>, JsonHttpResult<ErrorEnvelope>> ListAlerts(string? state, int? offset, int? limit, AlertViews views)
    {
        if (state is not (null or AlertStates.Firing or AlertStates.Resolved))
        {
            return ApiErrors.Create(StatusCodes.Status400BadRequest, "invalid_request", "state: firing or resolved.", "state");
        }

        if (limit is < 1 or > 500 || offset is < 0)
        {
            return ApiErrors.Create(StatusCodes.Status400BadRequest, "invalid_request", "limit is 1 to 500 and offset 0 or more.", limit is < 1 or > 500 ? "limit" : "offset");
        }

        return TypedResults.Ok(views.Alerts(state, offset ?? 0, limit ?? 100));
    }


    private static JsonHttpResult<ErrorEnvelope> NoChannel(string id) => ApiErrors.NotFound("not_found", $"No notification channel with id '{id}'.");

    private static JsonHttpResult<ErrorEnvelope> NoRule(string id) => ApiErrors.NotFound("not_found", $"No alert rule with id '{id}'.");
}

using Microsoft.AspNetCore.Http.HttpResults;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Distribution;
using RestikManager.Server.Plans;

namespace RestikManager.Server.Protection;

/// <summary>
/// <c>GET /api/v1/hosts</c>: every enrolled host as the Agents feature shows it, with this feature's verdict
/// (<see cref="HostVerdictView"/>), so that a monitoring script reads the same truth as the dashboard. It is mapped here,
/// not in Agents, because the verdict reads plans and jobs, which come after hosts.
/// </summary>
internal static class ProtectionApi
{
    public static IEndpointRouteBuilder MapProtectionApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/hosts", ListHosts).WithTags("Agents").RequireAuthorization(Roles.CanView);
        return app;
    }

    private static Ok<List<HostView>> ListHosts(
        AgentStore agents, PlanStore plans, ProtectionReport report, AgentConnections connections, AgentPresence presence, AgentReleases releases)
    {
        var all = agents.List();
        var live = report.Hosts(all, plans.List()).ToDictionary(h => h.Host.Id);
        return TypedResults.Ok(all.Select(a => live.TryGetValue(a.Id, out var host)
            ? host.Host with { Protection = host.ToVerdictView() }
            : a.ToView(connections, presence, releases)).ToList());
    }
}

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Contracts;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;

namespace RestikManager.Server.Web.Pages;

[Authorize(Policy = Roles.CanView)]
internal sealed class IndexModel(AgentStore agents, AgentConnections connections, AgentPresence presence) : PageModel
{
    public IReadOnlyList<HostView> Hosts { get; private set; } = [];

    public void OnGet() => Hosts = [.. agents.List().Where(a => a.RevokedAt is null).Select(a => new HostView(
        a.Id, a.Hostname, a.Label, connections.IsOnline(a.Id) ? "online" : "offline",
        presence.LastSeen(a.Id)?.ToString("O") ?? a.LastSeenAt, a.EnrolledAt, false,
        a.AgentVersion, a.AgentCommit, a.Os, a.Arch, a.ResticVersion,
        a.AgentVersion is not null && a.AgentVersion != BuildInfo.Current.Version))];
}

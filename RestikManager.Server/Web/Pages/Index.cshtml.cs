using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;

namespace RestikManager.Server.Web.Pages;

[Authorize(Policy = Roles.CanView)]
internal sealed class IndexModel(AgentStore agents, AgentConnections connections, AgentPresence presence) : PageModel
{
    public IReadOnlyList<HostView> Hosts { get; private set; } = [];

    public void OnGet() => Hosts = [.. agents.List().Where(a => a.RevokedAt is null).Select(a => a.ToView(connections, presence))];
}

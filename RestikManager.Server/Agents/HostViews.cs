using RestikManager.Server.Distribution;

namespace RestikManager.Server.Agents;

internal static class HostViews
{
    /// <summary>
    /// An agent as the API and dashboard show it: live status, the newest last-seen time, and whether its agent differs
    /// from the one this server serves for its platform (not from the server's own version: they are released apart).
    /// </summary>
    public static HostView ToView(this AgentRecord agent, AgentConnections connections, AgentPresence presence, AgentReleases releases) => new(
        agent.Id, agent.Hostname, agent.Label,
        agent.RevokedAt is not null ? "revoked" : connections.IsOnline(agent.Id) ? "online" : "offline",
        presence.LastSeen(agent.Id)?.ToString("O") ?? agent.LastSeenAt, agent.EnrolledAt, agent.RevokedAt is not null,
        agent.AgentVersion, agent.AgentCommit, agent.Os, agent.Arch, agent.ResticVersion,
        agent.RevokedAt is null && releases.IsOutdated(agent.Os, agent.Arch, agent.AgentVersion),
        releases.Version(agent.Os, agent.Arch),
        agent.UpdateState is { } state ? new HostUpdateView(agent.UpdateVersion!, state, agent.UpdateError, agent.UpdateAt) : null,
        agent.ResticSource)
    {
        Allowlist = agent.Allowed,
    };
}

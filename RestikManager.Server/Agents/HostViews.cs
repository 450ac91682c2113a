using RestikManager.Contracts;

namespace RestikManager.Server.Agents;

internal static class HostViews
{
    /// <summary>An agent as the API and dashboard show it: live status and the newest last-seen time.</summary>
    public static HostView ToView(this AgentRecord agent, AgentConnections connections, AgentPresence presence) => new(
        agent.Id, agent.Hostname, agent.Label,
        agent.RevokedAt is not null ? "revoked" : connections.IsOnline(agent.Id) ? "online" : "offline",
        presence.LastSeen(agent.Id)?.ToString("O") ?? agent.LastSeenAt, agent.EnrolledAt, agent.RevokedAt is not null,
        agent.AgentVersion, agent.AgentCommit, agent.Os, agent.Arch, agent.ResticVersion,
        agent.AgentVersion is not null && agent.AgentVersion != BuildInfo.Current.Version);

    /// <summary>
    /// Whether <paramref name="value"/> is fit to store and log as a short name (hostname, version, platform):
    /// 1 to <paramref name="max"/> printable characters, no control characters that could forge a log line.
    /// </summary>
    public static bool IsPlainText(string? value, int max = 128) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= max && !value.Any(char.IsControl);
}

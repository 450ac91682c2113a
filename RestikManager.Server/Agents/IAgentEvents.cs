using RestikManager.Contracts.Protocol;

namespace RestikManager.Server.Agents;

/// <summary>What happens on agent connections that other features act on (plans, jobs, snapshots).</summary>
internal interface IAgentEvents
{
    /// <summary>The agent was welcomed on a connection that started at <paramref name="connectedAt"/>.</summary>
    void Online(AgentRecord agent, DateTimeOffset connectedAt);

    /// <summary>A message after hello other than a heartbeat. Returns why it is malformed, or null.</summary>
    string? Received(string agentId, AgentMessage message);
}

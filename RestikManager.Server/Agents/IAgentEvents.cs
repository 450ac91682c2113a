using System.Net.WebSockets;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Server.Agents;

/// <summary>What happens on agent connections that other features act on (plans, jobs, snapshots).</summary>
internal interface IAgentEvents
{
    /// <summary>The agent was welcomed on a connection that started at <paramref name="connectedAt"/>.</summary>
    void Online(AgentRecord agent, DateTimeOffset connectedAt);

    /// <summary>
    /// A well-formed message after hello other than a heartbeat. Returns why the connection must close (a claim no
    /// honest agent makes), or null.
    /// </summary>
    Breach? Received(string agentId, AgentMessage message);
}

/// <summary>Why a connection is closed: the close status and the reason sent with it.</summary>
internal sealed record Breach(WebSocketCloseStatus Status, string Reason)
{
    public static Breach Malformed(string reason) => new(WebSocketCloseStatus.InvalidPayloadData, reason);

    public static Breach Forged(string reason) => new(WebSocketCloseStatus.PolicyViolation, reason);
}

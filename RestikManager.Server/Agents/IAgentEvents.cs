using System.Net.WebSockets;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Server.Agents;

/// <summary>
/// What a feature does on agent connections: something when an agent comes online, and the messages it owns. Each
/// feature registers its own; <see cref="AgentEventRouter"/> hands every message to its one owner.
/// </summary>
internal interface IAgentEvents
{
    /// <summary>The message types this feature handles (after hello, other than heartbeats); each has exactly one owner.</summary>
    IReadOnlyCollection<Type> Handles { get; }

    /// <summary>The agent was welcomed after <paramref name="hello"/>, on a connection that started at <paramref name="connectedAt"/>.</summary>
    void Online(AgentRecord agent, Hello hello, DateTimeOffset connectedAt)
    {
    }

    /// <summary>
    /// A well-formed message of one of <see cref="Handles"/>' types. Returns why the connection must close (a claim no
    /// honest agent makes), or null.
    /// </summary>
    Breach? Received(string agentId, AgentMessage message) => null;
}

/// <summary>Why a connection is closed: the close status and the reason sent with it.</summary>
internal sealed record Breach(WebSocketCloseStatus Status, string Reason)
{
    public static Breach Malformed(string reason) => new(WebSocketCloseStatus.InvalidPayloadData, reason);

    public static Breach Forged(string reason) => new(WebSocketCloseStatus.PolicyViolation, reason);
}

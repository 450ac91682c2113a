using System.Collections.Concurrent;
using System.Net.WebSockets;
using RestikManager.Server.Events;

namespace RestikManager.Server.Agents;

/// <summary>The live sessions, one per agent: a new connection from the same agent replaces the old one.</summary>
internal sealed class AgentConnections(DomainEvents events)
{
    private readonly ConcurrentDictionary<string, AgentConnection> _sessions = new(StringComparer.Ordinal);

    public bool IsOnline(string agentId) => _sessions.ContainsKey(agentId);

    public IReadOnlyCollection<string> OnlineIds => [.. _sessions.Keys];

    /// <summary>Queues <paramref name="message"/> for the agent's live connection; false when it is offline or its queue is full.</summary>
    public bool TrySend(string agentId, Contracts.Protocol.ServerMessage message) =>
        _sessions.TryGetValue(agentId, out var session) && session.TrySend(message);

    public void Add(AgentConnection session)
    {
        AgentConnection? previous = null;
        _sessions.AddOrUpdate(session.AgentId, session, (_, old) =>
        {
            previous = old;
            return session;
        });
        previous?.Close(WebSocketCloseStatus.PolicyViolation, "replaced by a newer connection from the same agent");
        events.Publish(new HostChanged(session.AgentId));
        events.Publish(new HostConnected(session.AgentId));
    }

    public void Remove(AgentConnection session)
    {
        if (_sessions.TryRemove(new KeyValuePair<string, AgentConnection>(session.AgentId, session)))
        {
            events.Publish(new HostChanged(session.AgentId));
        }
    }

    /// <summary>Closes the agent's live connection, if any (revocation).</summary>
    public void Drop(string agentId, string reason)
    {
        if (_sessions.TryRemove(agentId, out var session))
        {
            session.Close(WebSocketCloseStatus.PolicyViolation, reason);
            events.Publish(new HostChanged(agentId));
        }
    }
}

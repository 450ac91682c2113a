using System.Collections.Concurrent;
using System.Net.WebSockets;
using Dapper;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Data;
using RestikManager.Server.Events;
using RestikManager.Server.Replicas;

namespace RestikManager.Server.Agents;

/// <summary>
/// The live sessions, one per agent: a new connection from the same agent replaces the old one. With replicas
/// (PostgreSQL) an agent is connected to one of them: <c>agent_sessions</c> says which, each replica keeps a copy of the
/// others' sessions (from <see cref="AgentSessionOpened"/>/<see cref="AgentSessionClosed"/>, and read again every few
/// seconds), and the newer of two sessions of one agent wins everywhere. A message for an agent connected elsewhere is
/// forwarded to its replica (<see cref="AgentMessageForwarded"/>) when it carries no secret; work that does (a job, a
/// plan set) is instead announced, and the agent's own replica sends it.
/// </summary>
internal sealed class AgentConnections(DomainEvents events, Replica replica, Database database, TimeProvider time)
    : IHandles<AgentSessionOpened>, IHandles<AgentSessionClosed>, IHandles<AgentMessageForwarded>, IHandles<AgentDropped>
{
    private readonly ConcurrentDictionary<string, AgentConnection> _sessions = new(StringComparer.Ordinal);

    // Agents connected to other replicas: agent id → (replica id, when it connected).
    private ConcurrentDictionary<string, (string Replica, DateTimeOffset At)> _elsewhere = new(StringComparer.Ordinal);

    public bool IsOnline(string agentId) => _sessions.ContainsKey(agentId) || _elsewhere.ContainsKey(agentId);

    /// <summary>Whether the agent is connected to this replica (what only its own replica may send, it sends).</summary>
    public bool IsLocal(string agentId) => _sessions.ContainsKey(agentId);

    /// <summary>The other replica that holds <paramref name="agentId"/>'s connection, or null (here, or offline).</summary>
    public string? ReplicaOf(string agentId) => _elsewhere.TryGetValue(agentId, out var there) ? there.Replica : null;

    public IReadOnlyCollection<string> OnlineIds => [.. _sessions.Keys.Union(_elsewhere.Keys)];

    /// <summary>The agents connected to this replica.</summary>
    public IReadOnlyCollection<string> LocalIds => [.. _sessions.Keys];

    /// <summary>
    /// Queues <paramref name="message"/> for the agent's live connection; false when it is offline or its queue is full.
    /// An agent on another replica gets a message that carries no secret through that replica.
    /// </summary>
    public bool TrySend(string agentId, ServerMessage message)
    {
        if (_sessions.TryGetValue(agentId, out var session))
        {
            return session.TrySend(message);
        }

        if (!_elsewhere.TryGetValue(agentId, out var there) || !Forwardable(message))
        {
            return false;
        }

        events.Publish(new AgentMessageForwarded(agentId, there.Replica,
            System.Text.Json.JsonSerializer.Serialize(message, ProtocolJsonContext.Default.ServerMessage)));
        return true;
    }

    // A job or a plan set carries repository secrets: those never go through the database's notifications.
    private static bool Forwardable(ServerMessage message) => message is CancelJob or UpdateAgent or ResultAck;

    public void Add(AgentConnection session)
    {
        AgentConnection? previous = null;
        _sessions.AddOrUpdate(session.AgentId, session, (_, old) =>
        {
            previous = old;
            return session;
        });
        previous?.Close(WebSocketCloseStatus.PolicyViolation, "replaced by a newer connection from the same agent");
        _elsewhere.TryRemove(session.AgentId, out _);
        if (replica.Shared)
        {
            database.ExecuteEphemeral("""
                INSERT INTO agent_sessions (agent_id, replica_id, connection_id, connected_at) VALUES (@AgentId, @replicaId, @ConnectionId, @ConnectedAt)
                ON CONFLICT (agent_id) DO UPDATE SET replica_id = excluded.replica_id, connection_id = excluded.connection_id, connected_at = excluded.connected_at
                """, new { session.AgentId, replicaId = replica.Id, session.ConnectionId, session.ConnectedAt });

            events.Publish(new AgentSessionOpened(session.AgentId, replica.Id, session.ConnectionId, session.ConnectedAt));
        }

        events.Publish(new HostChanged(session.AgentId));
        events.Publish(new HostConnected(session.AgentId));
    }

    public void Remove(AgentConnection session)
    {
        if (_sessions.TryRemove(new KeyValuePair<string, AgentConnection>(session.AgentId, session)))
        {
            if (replica.Shared)
            {
                database.ExecuteEphemeral("DELETE FROM agent_sessions WHERE agent_id = @AgentId AND connection_id = @ConnectionId",
                    new { session.AgentId, session.ConnectionId });

                events.Publish(new AgentSessionClosed(session.AgentId, replica.Id, session.ConnectionId));
            }

            events.Publish(new HostChanged(session.AgentId));
        }
    }

    /// <summary>Closes the agent's live connection, on whichever replica it is (revocation, re-enrollment).</summary>
    public void Drop(string agentId, string reason) => events.Publish(new AgentDropped(agentId, reason));

    public void Handle(AgentDropped domainEvent)
    {
        _elsewhere.TryRemove(domainEvent.AgentId, out _);
        if (_sessions.TryRemove(domainEvent.AgentId, out var session))
        {
            session.Close(WebSocketCloseStatus.PolicyViolation, domainEvent.Reason);
            events.Publish(new HostChanged(domainEvent.AgentId));
        }
    }

    /// <summary>Another replica took a session: the older of two sessions of one agent closes, wherever it is.</summary>
    public void Handle(AgentSessionOpened domainEvent)
    {
        if (domainEvent.ReplicaId == replica.Id)
        {
            return;
        }

        if (_sessions.TryGetValue(domainEvent.AgentId, out var mine))
        {
            if (Newer(mine.ConnectedAt, mine.ConnectionId, domainEvent.ConnectedAt, domainEvent.ConnectionId))
            {
                return;
            }

            if (_sessions.TryRemove(new KeyValuePair<string, AgentConnection>(domainEvent.AgentId, mine)))
            {
                mine.Close(WebSocketCloseStatus.PolicyViolation, "replaced by a newer connection from the same agent");
            }
        }

        _elsewhere[domainEvent.AgentId] = (domainEvent.ReplicaId, domainEvent.ConnectedAt);
        events.Publish(new HostChanged(domainEvent.AgentId));
    }

    public void Handle(AgentSessionClosed domainEvent)
    {
        if (domainEvent.ReplicaId != replica.Id && _elsewhere.TryGetValue(domainEvent.AgentId, out var there) && there.Replica == domainEvent.ReplicaId
            && _elsewhere.TryRemove(new KeyValuePair<string, (string, DateTimeOffset)>(domainEvent.AgentId, there)))
        {
            events.Publish(new HostChanged(domainEvent.AgentId));
        }
    }

    public void Handle(AgentMessageForwarded domainEvent)
    {
        if (domainEvent.ReplicaId == replica.Id && _sessions.TryGetValue(domainEvent.AgentId, out var session)
            && System.Text.Json.JsonSerializer.Deserialize(domainEvent.Message, ProtocolJsonContext.Default.ServerMessage) is { } message
            && Forwardable(message))
        {
            session.TrySend(message);
        }
    }

    /// <summary>Reads again which agents the other live replicas hold (a notification lost in a reconnect is made good here).</summary>
    public void Refresh()
    {
        if (!replica.Shared)
        {
            return;
        }

        using var connection = database.Open();
        var rows = connection.Query<(string AgentId, string ReplicaId, DateTimeOffset ConnectedAt)>("""
            SELECT s.agent_id, s.replica_id, s.connected_at FROM agent_sessions s JOIN replicas r ON r.id = s.replica_id
            WHERE s.replica_id <> @me AND r.seen_at > @alive
            """, new { me = replica.Id, alive = time.GetUtcNow() - Replica.AliveFor });
        var fresh = new ConcurrentDictionary<string, (string, DateTimeOffset)>(StringComparer.Ordinal);
        foreach (var (agentId, replicaId, at) in rows)
        {
            if (!_sessions.ContainsKey(agentId))
            {
                fresh[agentId] = (replicaId, at);
            }
        }

        var before = _elsewhere;
        _elsewhere = fresh;
        foreach (var changed in before.Keys.Except(fresh.Keys).Union(fresh.Keys.Except(before.Keys)))
        {
            events.Publish(new HostChanged(changed));
        }
    }

    private static bool Newer(DateTimeOffset at, string id, DateTimeOffset otherAt, string otherId) =>
        at > otherAt || (at == otherAt && string.CompareOrdinal(id, otherId) > 0);
}

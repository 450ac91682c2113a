using RestikManager.Server.Events;

namespace RestikManager.Server.Agents;

/// <summary>A host enrolled, changed, was revoked, connected or went away.</summary>
internal sealed record HostChanged(string AgentId) : IReplicatedEvent;

/// <summary>A host's label changed (plans that target labels may now include or leave it).</summary>
internal sealed record HostLabelChanged(string AgentId, string? Label) : IReplicatedEvent;

/// <summary>A host connected (a new session; it may replace an older one).</summary>
internal sealed record HostConnected(string AgentId) : IDomainEvent;

/// <summary>An agent connected to replica <paramref name="ReplicaId"/> (heard by every replica: the older session of the agent closes).</summary>
internal sealed record AgentSessionOpened(string AgentId, string ReplicaId, string ConnectionId, DateTimeOffset ConnectedAt) : IReplicatedEvent;

/// <summary>An agent's session on replica <paramref name="ReplicaId"/> ended.</summary>
internal sealed record AgentSessionClosed(string AgentId, string ReplicaId, string ConnectionId) : IReplicatedEvent;

/// <summary>A message (one that carries no secret) for an agent connected to replica <paramref name="ReplicaId"/>, as wire JSON.</summary>
internal sealed record AgentMessageForwarded(string AgentId, string ReplicaId, string Message) : IReplicatedEvent;

/// <summary>An agent's connection must close wherever it is (its credential was revoked or replaced).</summary>
internal sealed record AgentDropped(string AgentId, string Reason) : IReplicatedEvent;

/// <summary>An agent's credential changed (revoked, replaced): every replica forgets what it remembered of it.</summary>
internal sealed record AgentCredentialChanged(string AgentId) : IReplicatedEvent;

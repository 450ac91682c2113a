using RestikManager.Server.Events;

namespace RestikManager.Server.Agents;

/// <summary>A host enrolled, changed, was revoked, connected or went away.</summary>
internal sealed record HostChanged(string AgentId) : IDomainEvent;

/// <summary>A host's label changed (plans that target labels may now include or leave it).</summary>
internal sealed record HostLabelChanged(string AgentId, string? Label) : IDomainEvent;

/// <summary>A host connected (a new session; it may replace an older one).</summary>
internal sealed record HostConnected(string AgentId) : IDomainEvent;

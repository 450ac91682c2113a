using RestikManager.Contracts.Protocol;
using RestikManager.Server.Events;

namespace RestikManager.Server.Jobs;

/// <summary>
/// A job's row changed (queued, started, ended), or only its live progress (<paramref name="ProgressOnly"/>, with the
/// <paramref name="Progress"/> itself, which lives in the memory of the replica its agent talks to); <paramref name="AgentId"/>
/// is its host. Heard on every replica: a page on any of them shows it.
/// </summary>
internal sealed record JobChanged(string JobId, string AgentId, bool ProgressOnly = false, JobProgress? Progress = null) : IReplicatedEvent;

/// <summary>Jobs of a repository were queued: each replica sends those of its own agents that may run now.</summary>
internal sealed record JobsQueued(string RepositoryId) : IReplicatedEvent;

/// <summary>An agent started a job the server gave it (its claim accepted).</summary>
internal sealed record JobStartedOnHost(string AgentId, JobStarted Started) : IDomainEvent;

/// <summary>A job's result was recorded, once: a repeat of the same result is not an event.</summary>
internal sealed record JobRecorded(string AgentId, JobResult Result) : IDomainEvent;

/// <summary>The server ended a job itself (cancelled while queued, lost with its host) with <paramref name="Status"/>.</summary>
internal sealed record JobFinishedByServer(string JobId, string AgentId, string Status) : IDomainEvent;

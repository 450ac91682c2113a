using RestikManager.Contracts.Protocol;
using RestikManager.Server.Events;

namespace RestikManager.Server.Jobs;

/// <summary>A job's row changed (queued, started, ended), or only its live progress (<paramref name="ProgressOnly"/>); <paramref name="AgentId"/> is its host.</summary>
internal sealed record JobChanged(string JobId, string AgentId, bool ProgressOnly = false) : IDomainEvent;

/// <summary>An agent started a job the server gave it (its claim accepted).</summary>
internal sealed record JobStartedOnHost(string AgentId, JobStarted Started) : IDomainEvent;

/// <summary>A job's result was recorded, once: a repeat of the same result is not an event.</summary>
internal sealed record JobRecorded(string AgentId, JobResult Result) : IDomainEvent;

/// <summary>The server ended a job itself (cancelled while queued, lost with its host) with <paramref name="Status"/>.</summary>
internal sealed record JobFinishedByServer(string JobId, string AgentId, string Status) : IDomainEvent;

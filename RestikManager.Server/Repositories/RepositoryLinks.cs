using RestikManager.Server.Events;

namespace RestikManager.Server.Repositories;

/// <summary>
/// A feature that refers to repositories (plans, say) and so must be asked before one is deleted. Implemented there and
/// registered as <c>IRepositoryReferences</c>, so that this feature never depends on it.
/// </summary>
internal interface IRepositoryReferences
{
    /// <summary>Why <paramref name="repositoryId"/> cannot be deleted now, as a sentence; null when nothing refers to it.</summary>
    string? InUse(string repositoryId);
}

/// <summary>Queues <c>restic init</c> of a new repository on a host; implemented by the jobs feature.</summary>
internal interface IRepositoryInit
{
    /// <summary>The init job's id; with <paramref name="chunkerParamsFrom"/>, the new repository takes that one's chunker parameters.</summary>
    string Enqueue(string repositoryId, string agentId, string? chunkerParamsFrom = null);
}

/// <summary>A repository's URL or secrets changed: whoever carries them to hosts sends them again.</summary>
internal sealed record RepositoryChanged(string RepositoryId) : IReplicatedEvent;

using RestikManager.Contracts.Protocol;
using RestikManager.Server.Repositories;

namespace RestikManager.Server.Jobs;

/// <summary>A new repository's <c>restic init</c>, queued like any job on the host the operator chose.</summary>
internal sealed class RepositoryInitJobs(JobDispatcher dispatcher) : IRepositoryInit
{
    public string Enqueue(string repositoryId, string agentId, string? chunkerParamsFrom = null) =>
        dispatcher.Enqueue(JobSpecs.ForRepository(JobKinds.Init, repositoryId, JobTriggers.Manual) with { CopyFromRepositoryId = chunkerParamsFrom }, agentId).Id;
}

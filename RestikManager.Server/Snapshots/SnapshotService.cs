using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Plans;
using RestikManager.Server.Repositories;

namespace RestikManager.Server.Snapshots;

/// <summary>
/// Reads snapshots through an agent that can open the repository: the one named, else the snapshot's own host, else
/// any online host of a plan that uses the repository.
/// </summary>
internal sealed partial class SnapshotService(
    QueryBroker broker, SnapshotCache cache, RepositoryStore repositories, PlanStore plans, PlanDistributor distributor,
    AgentStore agents, AgentConnections connections, ILogger<SnapshotService> logger)
{
    public const int MaxPage = 1000;
    private static readonly TimeSpan SnapshotsTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ListTimeout = TimeSpan.FromMinutes(1);

    /// <summary>An online agent to read <paramref name="repositoryId"/> through, preferring <paramref name="hostname"/>'s.</summary>
    public string? PickAgent(string repositoryId, string? hostname)
    {
        if (hostname is not null && agents.Resolve(hostname) is { } named && connections.IsOnline(named.Id))
        {
            return named.Id;
        }

        return distributor.FirstOnlineHost(plans.OfRepository(repositoryId))?.Id;
    }

    /// <summary>Refreshes the cached list through <paramref name="agentId"/>; returns the error, or null.</summary>
    public async Task<string?> RefreshAsync(string repositoryId, string agentId, CancellationToken cancellationToken)
    {
        if (repositories.Access(repositoryId) is not { } access)
        {
            return "no such repository";
        }

        var answer = await broker.AskAsync(agentId, new Query("", QueryKinds.Snapshots, access), 1_000_000, SnapshotsTimeout, cancellationToken);
        if (answer is null)
        {
            return "the host is offline";
        }

        if (answer.Error is not null)
        {
            var error = $"{answer.ErrorClass}: {answer.Error}";
            cache.Failed(repositoryId, error);
            LogRefreshFailed(logger, repositoryId, error);
            return error;
        }

        cache.Replace(repositoryId, answer.Snapshots);
        return null;
    }

    /// <summary>Refreshes in the background (after a backup or forget); failures are logged and kept with the cache.</summary>
    public void RefreshLater(string repositoryId, string agentId) =>
        _ = Task.Run(() => RefreshAsync(repositoryId, agentId, CancellationToken.None));

    public async Task<QueryAnswer?> ListAsync(
        string repositoryId, string agentId, string snapshotId, string path, int offset, int limit, CancellationToken cancellationToken)
    {
        if (repositories.Access(repositoryId) is not { } access)
        {
            return null;
        }

        return await broker.AskAsync(agentId, new Query("", QueryKinds.Ls, access, snapshotId, path, offset, limit), limit, ListTimeout, cancellationToken);
    }

    [LoggerMessage(70, LogLevel.Warning, "Snapshot list of repository {RepositoryId} not refreshed: {Error}")]
    private static partial void LogRefreshFailed(ILogger logger, string repositoryId, string error);
}

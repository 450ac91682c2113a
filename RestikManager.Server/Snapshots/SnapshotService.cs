using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Plans;
using RestikManager.Server.Repositories;
using RestikManager.Server.Workers;

namespace RestikManager.Server.Snapshots;


/// <summary>
/// Reads snapshots through an agent that can open the repository: the one named, else the snapshot's own host, else
/// any online host of a plan that uses the repository.
/// </summary>
internal sealed partial class SnapshotService(
    QueryBroker broker, SnapshotCache cache, RepositoryStore repositories, PlanStore plans, PlanDistributor distributor,
    AgentStore agents, AgentConnections connections, WorkerIterations iterations, ILogger<SnapshotService> logger)
{
    /// <summary>No host that can open the repository is online (or the one named is not).</summary>
    public static Refusal Offline(string? host) => Refusal.Conflict("host_offline",
        host is null ? "No online host can open this repository; name one with ?host=." : $"Host '{host}' is not online.");

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

        var answer = await broker.AskAsync(agentId, repositoryId, new Query("", QueryKinds.Snapshots, access), 1_000_000, SnapshotsTimeout, cancellationToken);
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

    /// <summary>
    /// Refreshes in the background (after a backup or forget); a failed answer is logged and kept with the cache, and a
    /// fault of the refresh itself is one of <see cref="WorkerNames.SnapshotRefresh"/>'s.
    /// </summary>
    public void RefreshLater(string repositoryId, string agentId) =>
        _ = Task.Run(() => iterations.RunAsync(WorkerNames.SnapshotRefresh, t => RefreshAsync(repositoryId, agentId, t), CancellationToken.None));

    /// <summary>
    /// One page of <paramref name="path"/> in a snapshot of <paramref name="repositoryId"/> (which must exist), read by
    /// <paramref name="host"/> or the snapshot's own host or any host of the repository's plans; or why not.
    /// </summary>
    public async Task<(TreePage? Page, Refusal? Refusal)> BrowseAsync(
        string repositoryId, string snapshotId, string? path, int offset, int limit, string? host, CancellationToken cancellationToken)
    {
        if (!WireValues.IsSnapshotId(snapshotId))
        {
            return (null, new(StatusCodes.Status400BadRequest, "invalid_snapshot", "snapshotId: a snapshot id is 8 to 64 hex digits.", "snapshotId"));
        }

        path = string.IsNullOrEmpty(path) ? "/" : path;
        if (!WireValues.IsAbsolutePath(path))
        {
            return (null, new(StatusCodes.Status400BadRequest, "invalid_path",
                "path: give an absolute path inside the snapshot, such as /home; " + WireValues.PathProblem(path), "path"));
        }

        if (offset < 0 || limit is < 1 or > MaxPage)
        {
            return (null, new(StatusCodes.Status400BadRequest, "invalid_page", $"offset is 0 or more; limit is 1 to {MaxPage}.", offset < 0 ? "offset" : "limit"));
        }

        var cached = cache.Find(repositoryId, snapshotId);
        if (PickAgent(repositoryId, host ?? cached?.Hostname) is not { } agent)
        {
            return (null, SnapshotService.Offline(host));
        }

        if (cached is null)
        {
            // Not in the cached list: it may be newer than the cache, so ask restic once; still unknown is a 404, never
            // an empty directory.
            if (await RefreshAsync(repositoryId, agent, cancellationToken) is { } error)
            {
                return (null, new(StatusCodes.Status502BadGateway, "refresh_failed", $"Listing the repository's snapshots failed: {error}"));
            }

            if ((cached = cache.Find(repositoryId, snapshotId)) is null)
            {
                return (null, new(StatusCodes.Status404NotFound, "not_found", $"No snapshot '{snapshotId}' in this repository."));
            }
        }

        var answer = await ListAsync(repositoryId, agent, cached.Id, path, offset, limit, cancellationToken);
        if (answer is null)
        {
            return (null, SnapshotService.Offline(host));
        }

        return answer.Error is not null
            ? (null, new(StatusCodes.Status502BadGateway, answer.ErrorClass ?? "browse_failed", $"Listing the snapshot failed: {answer.Error}"))
            : (new TreePage(cached.Id, path, offset, answer.Entries, answer.More), null);
    }

    public async Task<QueryAnswer?> ListAsync(
        string repositoryId, string agentId, string snapshotId, string path, int offset, int limit, CancellationToken cancellationToken)
    {
        if (repositories.Access(repositoryId) is not { } access)
        {
            return null;
        }

        return await broker.AskAsync(agentId, repositoryId, new Query("", QueryKinds.Ls, access, snapshotId, path, offset, limit), limit, ListTimeout, cancellationToken);
    }

    [LoggerMessage(70, LogLevel.Warning, "Snapshot list of repository {RepositoryId} not refreshed: {Error}")]
    private static partial void LogRefreshFailed(ILogger logger, string repositoryId, string error);
}

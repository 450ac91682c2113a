using Microsoft.Extensions.Options;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Events;
using RestikManager.Server.Jobs;
using RestikManager.Server.Repositories;
using RestikManager.Server.Snapshots;
using RestikManager.Server.Workers;

namespace RestikManager.Server.Stats;

/// <summary>How often a repository's size is read, and how many readings are kept.</summary>
internal sealed class StatsOptions
{
    /// <summary>At most one reading per repository this often (after a backup, forget, prune or copy into it).</summary>
    public TimeSpan Every { get; set; } = TimeSpan.FromHours(1);

    public int Keep { get; set; } = 1000;
}

/// <summary>
/// Reads a repository's size (restic stats, through the agent that just changed it) after a backup, forget, prune or
/// copy into it succeeds, at most once per <see cref="StatsOptions.Every"/>; the reading is kept for the size history.
/// A failed reading is logged and skipped; the next change tries again.
/// </summary>
internal sealed partial class StatsCollector(
    QueryBroker broker, RepositoryStore repositories, StatsStore store, WorkerIterations iterations, IOptions<StatsOptions> options,
    TimeProvider time, ILogger<StatsCollector> logger) : IHandles<JobRecorded>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _reading = new(StringComparer.Ordinal);

    public void Handle(JobRecorded recorded)
    {
        var result = recorded.Result;
        if (result.Kind is JobKinds.Backup or JobKinds.Forget or JobKinds.Prune or JobKinds.Copy
            && result.Status is JobStatuses.Succeeded or JobStatuses.Partial
            && (store.LastTakenAt(result.RepositoryId) is not { } last || time.GetUtcNow() - last >= options.Value.Every)
            && _reading.TryAdd(result.RepositoryId, 0))
        {
            _ = Task.Run(() => iterations.RunAsync(WorkerNames.SnapshotRefresh,
                async t =>
                {
                    try
                    {
                        await ReadAsync(result.RepositoryId, recorded.AgentId, t);
                    }
                    finally
                    {
                        _reading.TryRemove(result.RepositoryId, out _);
                    }
                }, CancellationToken.None));
        }
    }

    /// <summary>Reads the repository's size through <paramref name="agentId"/> and keeps it; returns the error, or null.</summary>
    public async Task<string?> ReadAsync(string repositoryId, string agentId, CancellationToken cancellationToken)
    {
        if (repositories.Access(repositoryId) is not { } access)
        {
            return "no such repository";
        }

        var answer = await broker.AskAsync(agentId, repositoryId, new Query("", QueryKinds.Stats, access), 1, Timeout, cancellationToken);
        if (answer?.Stats is not { } stats)
        {
            var error = answer is null ? "the host is offline" : $"{answer.ErrorClass}: {answer.Error}";
            LogFailed(logger, repositoryId, error);
            return error;
        }

        store.Add(repositoryId, stats, options.Value.Keep);
        return null;
    }

    [LoggerMessage(170, LogLevel.Warning, "Reading the size of repository {RepositoryId} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string repositoryId, string error);
}

using System.Collections.Concurrent;
using System.Diagnostics;
using RestikManager.Agent.Restic;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Browse;

/// <summary>
/// Keeps <see cref="SnapshotIndex"/>es of large snapshots under the state directory: one is built in the background
/// after a backup of at least <see cref="LargeSnapshotFiles"/> files, or after a browse that restic answered slowly.
/// One build at a time; the newest <see cref="Kept"/> indexes are kept. A build is written aside and moved into
/// place whole, so a browse never reads half an index.
/// </summary>
internal sealed partial class SnapshotIndexer(ResticRunner restic, string root, ILogger logger) : IDisposable
{
    /// <summary>Snapshots of this many files or more are indexed right after their backup.</summary>
    public const int LargeSnapshotFiles = 20_000;

    /// <summary>A browse restic takes this long to answer gets its snapshot indexed for next time.</summary>
    public static readonly TimeSpan SlowBrowse = TimeSpan.FromSeconds(1);

    private const int Kept = 4;
    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly ConcurrentDictionary<string, Task> _building = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The complete index of <paramref name="snapshotId"/>, if there is one.</summary>
    public SnapshotIndex? Find(string repositoryId, string snapshotId) =>
        Indexable(repositoryId, snapshotId) && Path.Join(root, repositoryId, snapshotId) is var dir && SnapshotIndex.Exists(dir)
            ? new SnapshotIndex(dir)
            : null;

    /// <summary>Builds the index of <paramref name="snapshotId"/> in the background, unless it exists or is being built.</summary>
    public Task IndexLater(RepositoryAccess repository, string snapshotId)
    {
        if (!Indexable(repository.Id, snapshotId) || Find(repository.Id, snapshotId) is not null)
        {
            return Task.CompletedTask;
        }

        return _building.GetOrAdd(repository.Id + "/" + snapshotId, key => Task.Run(async () =>
        {
            try
            {
                await BuildAsync(repository, snapshotId, _stopping.Token);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException)
            {
                LogFailed(logger, snapshotId, e.Message);
            }
            finally
            {
                _building.TryRemove(key, out _);
            }
        }));
    }

    // Indexes are keyed by full ids only: they name directories, so nothing else may reach the path.
    private static bool Indexable(string repositoryId, string snapshotId) =>
        WireValues.IsId(repositoryId) && snapshotId.Length == 64 && WireValues.IsSnapshotId(snapshotId);

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task BuildAsync(RepositoryAccess repository, string snapshotId, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        var aside = Path.Join(root, repository.Id, $".{snapshotId}.{Guid.NewGuid():N}");
        try
        {
            var clock = Stopwatch.StartNew();
            var malformed = false;
            ResticStep step;
            using (var builder = new SnapshotIndex.Builder(aside))
            {
                step = await restic.RunAsync(ResticArguments.Ls(snapshotId), repository, line =>
                {
                    if (line.Kind == "node" && line.Path is { } path && line.Name is { } name && line.Type is { } type && !malformed)
                    {
                        malformed = !builder.Add(path, name, type, (long?)line.Size, line.Mtime, line.Permissions);
                    }
                }, cancellationToken);
                if (step.ExitCode != 0 || step.Cancelled || malformed)
                {
                    LogFailed(logger, snapshotId, malformed ? "restic's listing was not in walk order" : step.ToString());
                    return;
                }

                builder.Complete();
                LogBuilt(logger, snapshotId, builder.Count, clock.Elapsed.TotalSeconds);
            }

            var target = Path.Join(root, repository.Id, snapshotId);
            if (!Directory.Exists(target))
            {
                Directory.Move(aside, target);
            }

            RemoveOld();
        }
        finally
        {
            if (Directory.Exists(aside))
            {
                Directory.Delete(aside, recursive: true);
            }

            _one.Release();
        }
    }

    private void RemoveOld()
    {
        var all = Directory.GetDirectories(root).SelectMany(Directory.GetDirectories)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .OrderByDescending(Directory.GetLastWriteTimeUtc).ToList();
        foreach (var old in all.Skip(Kept))
        {
            Directory.Delete(old, recursive: true);
        }
    }

    [LoggerMessage(80, LogLevel.Information, "Indexed snapshot {SnapshotId} for browsing: {Entries} entries in {Seconds:F1} s")]
    private static partial void LogBuilt(ILogger logger, string snapshotId, int entries, double seconds);

    [LoggerMessage(81, LogLevel.Warning, "Could not index snapshot {SnapshotId} for browsing: {Reason}")]
    private static partial void LogFailed(ILogger logger, string snapshotId, string reason);
}

using System.Text.Json;
using RestikManager.Agent.Browse;
using RestikManager.Agent.Restic;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Queries;

/// <summary>
/// Answers the server's read-only questions with restic: the snapshot list, and one page of one directory of a
/// snapshot. A listing is streamed: only the page being collected is held, and restic is stopped once it is full.
/// Answers are cut into parts that stay well under the message size limit.
/// </summary>
internal sealed class QueryRunner(ResticRunner restic, SnapshotIndexer indexes)
{
    private const int PartBudgetBytes = 40 * 1024;

    /// <summary>Answers in the background; a fault of ours is answered as a failure, never left without a reply.</summary>
    public void Answer(Query query, Action<QueryReply> reply, CancellationToken cancellationToken) =>
        _ = Task.Run(async () =>
        {
            try
            {
                await AnswerAsync(query, reply, cancellationToken);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                reply(new QueryReply(query.QueryId, true, ErrorClass: JobErrors.Failed, Error: e.Message));
            }
        }, CancellationToken.None);

    public async Task AnswerAsync(Query query, Action<QueryReply> reply, CancellationToken cancellationToken)
    {
        if (query.Kind == QueryKinds.Snapshots)
        {
            await SnapshotsAsync(query, reply, cancellationToken);
        }
        else if (query.Kind == QueryKinds.Ls && query.SnapshotId is not null && query.Path is not null)
        {
            await ListAsync(query, reply, cancellationToken);
        }
        else if (query.Kind == QueryKinds.Stats)
        {
            await StatsAsync(query, reply, cancellationToken);
        }
        else
        {
            reply(new QueryReply(query.QueryId, true, ErrorClass: JobErrors.Failed, Error: $"unknown query '{query.Kind}'"));
        }
    }

    private async Task StatsAsync(Query query, Action<QueryReply> reply, CancellationToken cancellationToken)
    {
        ResticLine? raw = null, restored = null;
        var rawStep = await restic.RunAsync(ResticArguments.Stats("raw-data"), query.Repository, line => raw ??= line.TotalSize is null ? null : line, cancellationToken);
        if (rawStep.ExitCode != 0 || raw is null)
        {
            reply(Failure(query, rawStep));
            return;
        }

        var sizeStep = await restic.RunAsync(ResticArguments.Stats("restore-size"), query.Repository, line => restored ??= line.TotalSize is null ? null : line, cancellationToken);
        if (sizeStep.ExitCode != 0 || restored is null)
        {
            reply(Failure(query, sizeStep));
            return;
        }

        reply(new QueryReply(query.QueryId, true, Stats: new RepositoryStats(
            (long)restored.TotalSize!.Value, (long)raw.TotalSize!.Value, raw.CompressionRatio, (int)(raw.SnapshotsCount ?? restored.SnapshotsCount ?? 0))));
    }

    private async Task SnapshotsAsync(Query query, Action<QueryReply> reply, CancellationToken cancellationToken)
    {
        List<ResticSnapshot>? snapshots = null;
        var step = await restic.RunAsync(ResticArguments.Snapshots(), query.Repository, line =>
        {
            if (line.Kind == "array")
            {
                snapshots = JsonSerializer.Deserialize(line.Message!, ResticJsonContext.Default.ListResticSnapshot);
            }
        }, cancellationToken);
        if (step.ExitCode != 0 || snapshots is null)
        {
            reply(Failure(query, step));
            return;
        }

        var parts = new Parts<SnapshotInfo>(
            info => 300 + info.Paths.Sum(p => p.Length + 8) + (info.Tags?.Sum(t => t.Length + 8) ?? 0),
            part => reply(new QueryReply(query.QueryId, false, Snapshots: part)));
        foreach (var s in snapshots)
        {
            parts.Add(new SnapshotInfo(s.Id, s.ShortId ?? s.Id[..8], s.Time, s.Hostname ?? "", s.Paths ?? [], s.Tags, s.Parent));
        }

        reply(new QueryReply(query.QueryId, true, Snapshots: parts.Current));
    }

    private async Task ListAsync(Query query, Action<QueryReply> reply, CancellationToken cancellationToken)
    {
        var dir = query.Path!.Length > 1 ? query.Path.TrimEnd('/') : query.Path;
        var parts = new Parts<TreeEntry>(EntryCost, part => reply(new QueryReply(query.QueryId, false, Entries: part)));
        if (indexes.Find(query.Repository.Id, query.SnapshotId!) is { } index && TryList(index, dir, query) is { } listed)
        {
            listed.Entries.ForEach(parts.Add);
            reply(new QueryReply(query.QueryId, true, Entries: parts.Current, More: listed.More));
            return;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var enough = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var seen = 0;
        var more = false;
        var step = await restic.RunAsync(ResticArguments.Ls(query.SnapshotId!, dir), query.Repository, line =>
        {
            if (line.Kind != "node" || line.Path is null || line.Path == dir || more)
            {
                return;
            }

            if (seen++ < query.Offset)
            {
                return;
            }

            if (seen > query.Offset + query.Limit)
            {
                // The page is full: answer now, then stop restic (its exit is not worth waiting for).
                more = true;
                reply(new QueryReply(query.QueryId, true, Entries: parts.Current, More: true));
                enough.Cancel();
                return;
            }

            parts.Add(new TreeEntry(line.Name ?? "", line.Type ?? "", line.Path, (long?)line.Size, line.Mtime, line.Permissions));
        }, enough.Token);

        if (clock.Elapsed >= SnapshotIndexer.SlowBrowse && (more || step.ExitCode == 0))
        {
            _ = indexes.IndexLater(query.Repository, query.SnapshotId!);
        }

        if (more)
        {
            return;
        }

        reply(step.ExitCode != 0 ? Failure(query, step) : new QueryReply(query.QueryId, true, Entries: parts.Current));
    }

    // An index removed or damaged meanwhile is no answer: restic is asked instead.
    private static (List<TreeEntry> Entries, bool More)? TryList(SnapshotIndex index, string dir, Query query)
    {
        try
        {
            return index.List(dir, query.Offset, query.Limit);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return null;
        }
    }

    private static int EntryCost(TreeEntry entry) => 200 + (entry.Path.Length * 2);

    private static QueryReply Failure(Query query, ResticStep step) => new(
        query.QueryId, true,
        ErrorClass: step.ErrorClass, Error: step.ToString());

    /// <summary>Collects items into parts that stay well under the message size limit; a full part goes to <c>send</c>.</summary>
    private sealed class Parts<T>(Func<T, int> cost, Action<List<T>> send)
    {
        private int _size;

        /// <summary>The part being filled (the last one, once everything is added).</summary>
        public List<T> Current { get; private set; } = [];

        public void Add(T item)
        {
            var itemCost = cost(item);
            if (_size + itemCost > PartBudgetBytes && Current.Count > 0)
            {
                send(Current);
                Current = [];
                _size = 0;
            }

            Current.Add(item);
            _size += itemCost;
        }
    }
}

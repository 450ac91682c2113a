using System.Text.Json;
using RestikManager.Agent.Browse;
using RestikManager.Agent.Restic;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Jobs;

/// <summary>
/// Answers the server's read-only questions with restic: the snapshot list, and one page of one directory of a
/// snapshot. A listing is streamed: only the page being collected is held, and restic is stopped once it is full.
/// Answers are cut into parts that stay well under the message size limit.
/// </summary>
internal sealed class QueryRunner(string restic, string cacheDir, SnapshotIndexer indexes)
{
    private const int PartBudgetBytes = 40 * 1024;

    public async Task AnswerAsync(Query query, Action<QueryReply> reply, CancellationToken cancellationToken)
    {
        var env = JobRunner.Environment(query.Repository);
        if (query.Kind == QueryKinds.Snapshots)
        {
            await SnapshotsAsync(query, env, reply, cancellationToken);
        }
        else if (query.Kind == QueryKinds.Ls && query.SnapshotId is not null && query.Path is not null)
        {
            await ListAsync(query, env, reply, cancellationToken);
        }
        else
        {
            reply(new QueryReply(query.QueryId, true, ErrorClass: JobErrors.Failed, Error: $"unknown query '{query.Kind}'"));
        }
    }

    private async Task SnapshotsAsync(Query query, Dictionary<string, string> env, Action<QueryReply> reply, CancellationToken cancellationToken)
    {
        List<ResticSnapshot>? snapshots = null;
        var step = await ResticStep.RunAsync(restic, ResticArguments.Snapshots(), env, cacheDir, line =>
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

        var part = new List<SnapshotInfo>();
        var size = 0;
        foreach (var s in snapshots)
        {
            var info = new SnapshotInfo(s.Id, s.ShortId ?? s.Id[..8], s.Time, s.Hostname ?? "", s.Paths ?? [], s.Tags, s.Parent);
            var cost = 300 + info.Paths.Sum(p => p.Length + 8) + (info.Tags?.Sum(t => t.Length + 8) ?? 0);
            if (size + cost > PartBudgetBytes && part.Count > 0)
            {
                reply(new QueryReply(query.QueryId, false, Snapshots: part));
                part = [];
                size = 0;
            }

            part.Add(info);
            size += cost;
        }

        reply(new QueryReply(query.QueryId, true, Snapshots: part));
    }

    private async Task ListAsync(Query query, Dictionary<string, string> env, Action<QueryReply> reply, CancellationToken cancellationToken)
    {
        var dir = query.Path!.Length > 1 ? query.Path.TrimEnd('/') : query.Path;
        if (indexes.Find(query.Repository.Id, query.SnapshotId!) is { } index && TryList(index, dir, query) is { } listed)
        {
            foreach (var chunk in Parts(listed.Entries))
            {
                reply(new QueryReply(query.QueryId, false, Entries: chunk));
            }

            reply(new QueryReply(query.QueryId, true, Entries: [], More: listed.More));
            return;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var enough = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var seen = 0;
        var more = false;
        var part = new List<TreeEntry>();
        var size = 0;
        var step = await ResticStep.RunAsync(restic, ResticArguments.Ls(query.SnapshotId!, dir), env, cacheDir, line =>
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
                reply(new QueryReply(query.QueryId, true, Entries: part, More: true));
                enough.Cancel();
                return;
            }

            var entry = new TreeEntry(line.Name ?? "", line.Type ?? "", line.Path, (long?)line.Size, line.Mtime, line.Permissions);
            var cost = 200 + (entry.Path.Length * 2);
            if (size + cost > PartBudgetBytes && part.Count > 0)
            {
                reply(new QueryReply(query.QueryId, false, Entries: part));
                part = [];
                size = 0;
            }

            part.Add(entry);
            size += cost;
        }, enough.Token);

        if (clock.Elapsed >= SnapshotIndexer.SlowBrowse && (more || step.ExitCode == 0))
        {
            _ = indexes.IndexLater(query.Repository, query.SnapshotId!);
        }

        if (more)
        {
            return;
        }

        reply(step.ExitCode != 0 ? Failure(query, step) : new QueryReply(query.QueryId, true, Entries: part));
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

    // Pieces that each stay well under the message size limit.
    private static IEnumerable<List<TreeEntry>> Parts(List<TreeEntry> entries)
    {
        var part = new List<TreeEntry>();
        var size = 0;
        foreach (var entry in entries)
        {
            var cost = 200 + (entry.Path.Length * 2);
            if (size + cost > PartBudgetBytes && part.Count > 0)
            {
                yield return part;
                part = [];
                size = 0;
            }

            part.Add(entry);
            size += cost;
        }

        if (part.Count > 0)
        {
            yield return part;
        }
    }

    private static QueryReply Failure(Query query, ResticStep step) => new(
        query.QueryId, true,
        ErrorClass: step.ExitCode == -1 ? JobErrors.ResticMissing : ResticErrors.Classify(step.ExitCode, step.Text),
        Error: step.ToString());
}

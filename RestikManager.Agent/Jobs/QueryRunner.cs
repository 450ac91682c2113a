using System.Text.Json;
using RestikManager.Agent.Restic;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Jobs;

/// <summary>
/// Answers the server's read-only questions with restic: the snapshot list, and one page of one directory of a
/// snapshot. A listing is streamed: only the page being collected is held, and restic is stopped once it is full.
/// Answers are cut into parts that stay well under the message size limit.
/// </summary>
internal sealed class QueryRunner(string restic, string cacheDir)
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
        using var enough = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var dir = query.Path!.Length > 1 ? query.Path.TrimEnd('/') : query.Path;
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
                more = true;
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

        if (!more && step.ExitCode != 0)
        {
            reply(Failure(query, step));
            return;
        }

        reply(new QueryReply(query.QueryId, true, Entries: part, More: more));
    }

    private static QueryReply Failure(Query query, ResticStep step) => new(
        query.QueryId, true,
        ErrorClass: step.ExitCode == -1 ? JobErrors.ResticMissing : ResticErrors.Classify(step.ExitCode, step.Text),
        Error: step.ToString());
}

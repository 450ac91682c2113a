using System.Text.Json;
using RestikManager.Agent.Restic;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Drills;

/// <summary>How a drill went: restic's last step, what was checked (null before the restore), and why it could not start.</summary>
internal sealed record DrillRun(ResticStep Step, DrillSummary? Summary, string? Missing);

/// <summary>
/// A restore drill: lists the snapshot (<c>restic ls</c>, streamed), samples its files (<see cref="DrillSample"/>),
/// restores just those into a scratch directory with <c>restic restore --verify</c> (restic reads every restored file
/// back and compares each chunk with the content hash the snapshot recorded), checks each file is there with the size the
/// snapshot recorded, and removes the scratch directory whatever happened. Nothing is written outside it.
/// </summary>
internal sealed partial class DrillRunner(ResticRunner restic, string drillsDir, ILogger logger)
{
    private const string IgnoringPrefix = "ignoring error for ";

    public async Task<DrillRun> RunAsync(JobSpec job, RepositoryAccess repository, Action<ResticLine> onJson, CancellationToken stop)
    {
        var files = Math.Clamp(job.DrillFiles ?? JobSpec.DefaultDrillFiles, 1, MessageRules.MaxDrillFiles);
        var maxBytes = Math.Max(0, job.DrillMaxBytes ?? JobSpec.DefaultDrillMaxBytes);
        var sample = new DrillSample(files, maxBytes, Random.Shared);
        var listed = false;
        var list = await restic.RunWaitingOutLocksAsync(ResticArguments.Ls(job.SnapshotId!), repository, line =>
        {
            switch (line.Kind)
            {
                case "snapshot":
                    listed = true;
                    break;
                case "node" when line is { Type: "file", Path: { } path }:
                    sample.Add(new SnapshotFile(path, (long)(line.Size ?? 0)));
                    break;
            }
        }, stop);
        // restic 0.14 exits 0 for an unknown id ("no matching ID found"), later versions fail with the same words.
        if (!list.Cancelled && (list.ExitCode == 0 ? !listed : list.Text.Contains("no matching ID found", StringComparison.Ordinal)))
        {
            return new DrillRun(list, null, $"snapshot {job.SnapshotId} is not in the repository: {list}");
        }

        if (list.Cancelled || list.ExitCode != 0)
        {
            return new DrillRun(list, null, null);
        }

        var chosen = sample.Choose();
        var summary = new DrillSummary(job.SnapshotId!, chosen.Count, chosen.Sum(f => f.Size), []);
        if (chosen.Count == 0)
        {
            return new DrillRun(list, summary, null);
        }

        var scratch = DrillScratch.For(drillsDir, job.JobId);
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            DrillScratch.Remove(scratch);
            Directory.CreateDirectory(scratch);
            var args = new List<string> { "restore", "--json", job.SnapshotId!, "--target", scratch, "--verify" };
            if (job.LimitDownloadKiB is { } limit)
            {
                args.AddRange(["--limit-download", limit.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }

            foreach (var file in chosen)
            {
                args.AddRange(["--include", IncludePattern(file.Path)]);
            }

            var restore = await restic.RunWaitingOutLocksAsync(args, repository, line =>
            {
                // restic 0.16+ reports a file it could not restore as a JSON error line naming the file.
                if (line is { Kind: "error", Item: { } item })
                {
                    Note(problems, item, ErrorMessage(line.Error) ?? "restic could not restore it");
                }
                else
                {
                    onJson(line);
                }
            }, stop);
            if (restore.Cancelled)
            {
                return new DrillRun(restore, null, null);
            }

            // restic 0.14: "ignoring error for <path>: <what>" on stderr for each file it could not restore or verify.
            foreach (var line in restore.ItemErrors)
            {
                if (chosen.FirstOrDefault(f => line.StartsWith(IgnoringPrefix + f.Path + ": ", StringComparison.Ordinal)) is { } file)
                {
                    Note(problems, file.Path, line[(IgnoringPrefix.Length + file.Path.Length + 2)..]);
                }
            }

            foreach (var file in chosen.Where(f => !problems.ContainsKey(f.Path)))
            {
                var restored = new FileInfo(Path.Join(scratch, file.Path));
                if (!restored.Exists)
                {
                    problems[file.Path] = "not restored" + (restore.ExitCode != 0 ? $": {restore}" : "");
                }
                else if (restored.Length != file.Size)
                {
                    problems[file.Path] = $"restored {restored.Length} bytes, the snapshot recorded {file.Size}";
                }
            }

            var mismatches = chosen.Where(f => problems.ContainsKey(f.Path)).Select(f => new DrillMismatch(Clip(f.Path, 4096), Clip(problems[f.Path], 1000))).ToList();
            LogDrilled(logger, job.JobId, chosen.Count, summary.Bytes, mismatches.Count);
            return new DrillRun(restore, summary with { Mismatches = mismatches }, null);
        }
        finally
        {
            try
            {
                DrillScratch.Remove(scratch);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogNotRemoved(logger, scratch, e.Message);
            }
        }
    }

    /// <summary>A path as a restic include pattern that matches only itself: glob characters escaped (not on Windows, where <c>\</c> separates).</summary>
    public static string IncludePattern(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return path;
        }

        var escaped = new System.Text.StringBuilder(path.Length + 8);
        foreach (var c in path)
        {
            if (c is '\\' or '*' or '?' or '[')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    private static void Note(Dictionary<string, string> problems, string path, string problem) => problems.TryAdd(path, problem);

    private static string? ErrorMessage(JsonElement? error) =>
        error is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
            ? message.GetString() : null;

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    [LoggerMessage(140, LogLevel.Information, "Drill {JobId}: {Files} files, {Bytes} bytes restored and verified, {Mismatches} did not match")]
    private static partial void LogDrilled(ILogger logger, string jobId, int files, long bytes, int mismatches);

    [LoggerMessage(141, LogLevel.Warning, "Drill scratch directory {Dir} could not be removed: {Reason} (the next start removes it)")]
    private static partial void LogNotRemoved(ILogger logger, string dir, string reason);
}

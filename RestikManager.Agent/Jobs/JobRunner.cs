using System.Text.Json;
using RestikManager.Agent.Restic;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Jobs;

/// <summary>
/// Runs one job with real restic and says how it ended. A lock held by someone else is waited out (retried) for up
/// to <paramref name="lockWait"/>; a cancelled or interrupted job is followed by <c>restic unlock</c>, which removes
/// only locks whose process is gone.
/// </summary>
internal sealed partial class JobRunner(string restic, string cacheDir, TimeSpan lockWait, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan LockRetryEvery = TimeSpan.FromSeconds(10);

    /// <summary>Why a run was stopped: the server cancelled it, or the agent is stopping.</summary>
    public enum StopReason { None, Cancelled, AgentStopping }

    public async Task<JobResult> RunAsync(
        JobSpec job, DateTimeOffset startedAt, Action<JobProgress> progress, Func<StopReason> stopReason, CancellationToken stop)
    {
        JobResult Result(string status, int? exit = null, string? errorClass = null, string? error = null,
            string? snapshot = null, BackupSummary? backup = null, ForgetSummary? forget = null) =>
            new(job.JobId, job.Kind, job.Repository.Id, job.Trigger, job.PlanId, status, startedAt, time.GetUtcNow(),
                exit, errorClass, error, snapshot, backup, forget);

        var env = Environment(job.Repository);
        LogRunning(logger, job.Kind, job.JobId, job.Repository.Id);

        BackupSummary? summary = null;
        string? shortSnapshot = null;
        ForgetSummary? forget = null;
        long errorLines = 0;
        var unreadable = new List<string>();
        var lastProgress = DateTimeOffset.MinValue;
        void OnJson(ResticLine line)
        {
            switch (line.Kind)
            {
                // Backups (all versions) and restores (restic 0.16+, which reports files_restored/bytes_restored).
                case "status" when line.Action is null && job.Kind is JobKinds.Backup or JobKinds.Restore:
                    var now = time.GetUtcNow();
                    if (now - lastProgress >= TimeSpan.FromSeconds(1))
                    {
                        lastProgress = now;
                        progress(ToProgress(job.JobId, line));
                    }

                    break;
                case "summary" when job.Kind == JobKinds.Backup:
                    summary = ToSummary(line, errorLines);
                    shortSnapshot = line.SnapshotId;
                    break;
                case "error":
                    Interlocked.Increment(ref errorLines);
                    lock (unreadable)
                    {
                        if (unreadable.Count < 20 && line.Item is not null)
                        {
                            unreadable.Add($"{line.Item} ({line.During ?? "read"})");
                        }
                    }

                    break;
                case "array" when job.Kind == JobKinds.Forget:
                    forget ??= ToForget(line.Message!);
                    break;
            }
        }

        var contents = job is { Kind: JobKinds.Restore, ContentsOnly: true, IncludePath: { } include, Target: { } target } && include != "/"
            ? RestoreContents.StagingDir(target, job.JobId) : null;
        var args = job.Kind switch
        {
            JobKinds.Backup => ResticArguments.Backup(job),
            JobKinds.Forget => ResticArguments.Forget(job),
            JobKinds.Restore => ResticArguments.Restore(contents is null ? job : job with { Target = contents }),
            _ => ResticArguments.Simple(job, job.Kind),
        };

        ResticStep step;
        try
        {
            step = await RunWithLockRetryAsync(args, env, OnJson, stop);
            if (contents is not null && step is { Cancelled: false, ExitCode: 0 })
            {
                RestoreContents.Finish(contents, job.IncludePath!, job.Target!);
            }
        }
        finally
        {
            if (contents is not null)
            {
                RestoreContents.Discard(contents);
            }
        }

        if (step.Cancelled || step.ExitCode == 130)
        {
            await UnlockAsync(env);
            var cancelled = stopReason() == StopReason.Cancelled;
            return Result(cancelled ? JobStatuses.Cancelled : JobStatuses.Interrupted, step.ExitCode, JobErrors.Interrupted,
                cancelled ? "cancelled by an operator" : "interrupted: the agent stopped while restic ran");
        }

        if (step.ExitCode is not (0 or 3))
        {
            var errorClass = step.ExitCode == -1 ? JobErrors.ResticMissing : ResticErrors.Classify(step.ExitCode, step.Text);
            return Result(JobStatuses.Failed, step.ExitCode, errorClass, step.ToString());
        }

        // forget then prune: a plan's retention run frees the space in the same job.
        if (job.Kind == JobKinds.Forget && forget is { Removed: > 0 })
        {
            var prune = await RunWithLockRetryAsync(ResticArguments.Simple(job, "prune"), env, null, stop);
            if (prune.Cancelled || prune.ExitCode != 0)
            {
                if (prune.Cancelled)
                {
                    await UnlockAsync(env);
                }

                return Result(prune.Cancelled ? JobStatuses.Interrupted : JobStatuses.Failed, prune.ExitCode,
                    prune.Cancelled ? JobErrors.Interrupted : ResticErrors.Classify(prune.ExitCode, prune.Text),
                    "forget succeeded, prune did not: " + prune, forget: forget);
            }
        }

        if (job.Kind != JobKinds.Backup)
        {
            return Result(JobStatuses.Succeeded, step.ExitCode, forget: forget);
        }

        var snapshot = shortSnapshot is { Length: < 64 }
            ? LocalSnapshotId(job.Repository.Url, shortSnapshot) ?? await ResolveSnapshotAsync(shortSnapshot, env, stop)
            : shortSnapshot;
        if (step.Skipped.Count > 0)
        {
            return Result(JobStatuses.Partial, step.ExitCode, JobErrors.SourceMissing,
                "these paths do not exist and were not backed up: " + string.Join(", ", step.Skipped), snapshot, summary);
        }

        return step.ExitCode == 3
            ? Result(JobStatuses.Partial, 3, JobErrors.PartialBackup,
                $"{errorLines} file(s) could not be read; the snapshot is incomplete. Not read: {string.Join(", ", unreadable)}\n{step}", snapshot, summary)
            : Result(JobStatuses.Succeeded, 0, snapshot: snapshot, backup: summary);
    }

    private async Task<ResticStep> RunWithLockRetryAsync(
        List<string> args, Dictionary<string, string> env, Action<ResticLine>? onJson, CancellationToken stop)
    {
        var giveUpAt = time.GetUtcNow() + lockWait;
        while (true)
        {
            var step = await ResticStep.RunAsync(restic, args, env, cacheDir, onJson, stop);
            if (step.Cancelled || step.ExitCode is 0 or 3 || ResticErrors.Classify(step.ExitCode, step.Text) != JobErrors.Locked
                || time.GetUtcNow() + LockRetryEvery > giveUpAt)
            {
                return step;
            }

            LogLocked(logger, args[0], LockRetryEvery.TotalSeconds);
            try
            {
                await Task.Delay(LockRetryEvery, time, stop);
            }
            catch (OperationCanceledException)
            {
                return step;
            }
        }
    }

    /// <summary>Removes stale locks (a dead restic of this host); restic never removes a live one.</summary>
    public async Task UnlockAsync(IReadOnlyDictionary<string, string> env)
    {
        var unlock = await ResticStep.RunAsync(restic, ["unlock"], env, cacheDir, null, CancellationToken.None);
        LogUnlocked(logger, unlock.ExitCode);
    }

    public static Dictionary<string, string> Environment(RepositoryAccess repository)
    {
        var env = repository.Environment.ToDictionary(StringComparer.Ordinal);
        env["RESTIC_REPOSITORY"] = repository.Url;
        return env;
    }

    /// <summary>
    /// restic 0.14 reports an 8-hex snapshot id. In a local repository the snapshot's file is named by its full id
    /// (restic's repository format), so it is found without a second restic run (which costs a key derivation).
    /// </summary>
    public static string? LocalSnapshotId(string repositoryUrl, string shortId)
    {
        var path = repositoryUrl.StartsWith("local:", StringComparison.Ordinal) ? repositoryUrl["local:".Length..] : repositoryUrl;
        if (!Path.IsPathFullyQualified(path) || !WireValues.IsSnapshotId(shortId))
        {
            return null;
        }

        try
        {
            var matches = Directory.GetFiles(Path.Join(path, "snapshots"), shortId + "*").Select(Path.GetFileName).ToList();
            return matches is [{ Length: 64 } id] && id.All(char.IsAsciiHexDigitLower) ? id : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private async Task<string> ResolveSnapshotAsync(string shortId, Dictionary<string, string> env, CancellationToken stop)
    {
        string? full = null;
        await ResticStep.RunAsync(restic, ResticArguments.Snapshots(shortId), env, cacheDir, line =>
        {
            if (line.Kind == "array")
            {
                full = JsonSerializer.Deserialize(line.Message!, ResticJsonContext.Default.ListResticSnapshot)?.FirstOrDefault()?.Id;
            }
        }, stop);
        return full ?? shortId;
    }

    private static JobProgress ToProgress(string jobId, ResticLine line) => new(
        jobId, line.PercentDone ?? 0, (long)(line.FilesDone ?? line.FilesRestored ?? 0), (long)(line.TotalFiles ?? 0),
        (long)(line.BytesDone ?? line.BytesRestored ?? 0),
        (long)(line.TotalBytes ?? 0), (long)(line.ErrorCount ?? 0), (long)(line.SecondsElapsed ?? 0), (long?)line.SecondsRemaining,
        line.CurrentFiles is [var first, ..] ? Shorten(first) : null);

    private static BackupSummary ToSummary(ResticLine l, long errors) => new(
        (long)(l.FilesNew ?? 0), (long)(l.FilesChanged ?? 0), (long)(l.FilesUnmodified ?? 0), (long)(l.DirsNew ?? 0),
        (long)(l.DirsChanged ?? 0), (long)(l.DirsUnmodified ?? 0), (long)(l.DataAdded ?? 0), (long)(l.TotalFilesProcessed ?? 0),
        (long)(l.TotalBytesProcessed ?? 0), l.TotalDuration ?? 0, errors);

    private static ForgetSummary? ToForget(string json)
    {
        try
        {
            var groups = JsonSerializer.Deserialize(json, ResticJsonContext.Default.ListResticForgetGroup) ?? [];
            var removed = groups.SelectMany(g => g.Remove ?? []).Select(s => s.Id).ToList();
            return new ForgetSummary(groups.Sum(g => g.Keep?.Count ?? 0), removed.Count, removed.Take(200).ToList());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string path) => path.Length <= 200 ? path : "…" + path[^199..];

    [LoggerMessage(30, LogLevel.Information, "Running {Kind} job {JobId} on repository {RepositoryId}")]
    private static partial void LogRunning(ILogger logger, string kind, string jobId, string repositoryId);

    [LoggerMessage(31, LogLevel.Warning, "Repository locked during {Command}; trying again in {Seconds} s")]
    private static partial void LogLocked(ILogger logger, string command, double seconds);

    [LoggerMessage(32, LogLevel.Information, "restic unlock exited with {ExitCode}")]
    private static partial void LogUnlocked(ILogger logger, int exitCode);
}

using RestikManager.Agent.Databases;
using RestikManager.Agent.Drills;
using RestikManager.Agent.Restic;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Jobs;

/// <summary>
/// Runs one job with restic and says how it ended: picks the command, chains forget → prune, turns a contents-only
/// restore's staging into the target, and maps restic's exit and output to a result. A cancelled or interrupted job
/// is followed by <c>restic unlock</c>, which removes only locks whose process is gone.
/// </summary>
internal sealed partial class JobRunner(
    ResticRunner restic, DrillRunner drills, HookedBackup hooked, DumpRestore dumpRestore, RestoreGuard guard, TimeProvider time, ILogger logger)
{
    /// <summary>Why a run was stopped: the server cancelled it, or the agent is stopping.</summary>
    public enum StopReason { None, Cancelled, AgentStopping }

    public async Task<JobResult> RunAsync(
        JobSpec job, RepositoryAccess repository, DateTimeOffset startedAt, Action<JobProgress> progress, Func<StopReason> stopReason, CancellationToken stop,
        bool pathsOnly = false)
    {
        JobResult Result(string status, int? exit = null, string? errorClass = null, string? error = null,
            string? snapshot = null, BackupSummary? backup = null, ForgetSummary? forget = null, DrillSummary? drill = null,
            CopySummary? copy = null) =>
            new(job.JobId, job.Kind, job.RepositoryId, job.Trigger, job.PlanId, status, startedAt, time.GetUtcNow(),
                exit, errorClass, error, snapshot, backup, forget, drill, copy);

        LogRunning(logger, job.Kind, job.JobId, job.RepositoryId);
        if (HookedBackup.Applies(job) && !pathsOnly)
        {
            return await hooked.RunAsync(job, repository, startedAt, progress,
                ct => RunAsync(job, repository, startedAt, progress, stopReason, ct, pathsOnly: true), stopReason, stop);
        }

        if (job.Kind == JobKinds.Restore && job.RestoreCommand is null && guard.Problem(job) is { } forbidden)
        {
            return Result(JobStatuses.Failed, errorClass: JobErrors.Failed, error: forbidden);
        }

        if (job is { Kind: JobKinds.Restore, RestoreCommand: not null })
        {
            var restored = await dumpRestore.RunAsync(job, repository, stop);
            if (restored.Status == JobStatuses.Cancelled && stopReason() != StopReason.Cancelled)
            {
                restored = restored with { Status = JobStatuses.Interrupted };
            }

            return Result(restored.Status, errorClass: restored.ErrorClass, error: restored.Error) with
            {
                Hooks = restored.Run is { } run ? [run] : null,
            };
        }

        var output = new JobOutput(job, time, progress);
        if (job.Kind == JobKinds.Drill)
        {
            return await DrillAsync(job, repository, output,
                (status, exit, errorClass, error, drill) => Result(status, exit, errorClass, error,
                    WireValues.IsSnapshotId(job.SnapshotId) ? job.SnapshotId : null, drill: drill), stopReason, stop);
        }

        var contents = job is { Kind: JobKinds.Restore, ContentsOnly: true, IncludePath: { } include, Target: { } target } && include != "/"
            ? RestoreContents.StagingDir(target, job.JobId) : null;
        var args = job.Kind switch
        {
            JobKinds.Backup => ResticArguments.Backup(job),
            JobKinds.Forget => ResticArguments.Forget(job),
            JobKinds.Copy => ResticArguments.Copy(job),
            JobKinds.Restore => ResticArguments.Restore(contents is null ? job : job with { Target = contents }),
            _ => ResticArguments.Simple(job, job.Kind),
        };

        ResticStep step;
        try
        {
            step = await restic.RunWaitingOutLocksAsync(args, repository, output.OnJson, stop);
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
            await restic.UnlockAsync(repository);
            var cancelled = stopReason() == StopReason.Cancelled;
            return Result(cancelled ? JobStatuses.Cancelled : JobStatuses.Interrupted, step.ExitCode, JobErrors.Interrupted,
                cancelled ? "cancelled by an operator" : "interrupted: the agent stopped while restic ran");
        }

        if (step.ExitCode is not (0 or 3))
        {
            return Result(JobStatuses.Failed, step.ExitCode, step.ErrorClass, step.ToString());
        }

        // forget then prune: a plan's retention run frees the space in the same job.
        if (job.Kind == JobKinds.Forget && output.Forget is { Removed: > 0 })
        {
            var prune = await restic.RunWaitingOutLocksAsync(ResticArguments.Simple(job, "prune"), repository, null, stop);
            if (prune.Cancelled || prune.ExitCode != 0)
            {
                if (prune.Cancelled)
                {
                    await restic.UnlockAsync(repository);
                }

                return Result(prune.Cancelled ? JobStatuses.Interrupted : JobStatuses.Failed, prune.ExitCode,
                    prune.Cancelled ? JobErrors.Interrupted : prune.ErrorClass, "forget succeeded, prune did not: " + prune, forget: output.Forget);
            }
        }

        if (job.Kind == JobKinds.Copy)
        {
            // Succeeded either way; the note (in the job's error text) says why the copy may take more space than it should.
            var note = await CopyChunkers.NoteAsync(restic, repository, stop);
            return Result(JobStatuses.Succeeded, step.ExitCode, error: note, copy: new CopySummary(step.SnapshotsSaved, step.SnapshotsAlreadyCopied));
        }

        if (job.Kind != JobKinds.Backup)
        {
            return Result(JobStatuses.Succeeded, step.ExitCode, forget: output.Forget);
        }

        var snapshot = output.SnapshotId is { } printed ? await restic.FullSnapshotIdAsync(repository, printed, stop) : null;
        if (step.Skipped.Count > 0)
        {
            return Result(JobStatuses.Partial, step.ExitCode, JobErrors.SourceMissing,
                "these paths do not exist and were not backed up: " + string.Join(", ", step.Skipped), snapshot, output.Summary);
        }

        return step.ExitCode == 3
            ? Result(JobStatuses.Partial, 3, JobErrors.PartialBackup,
                $"{output.ErrorLines} file(s) could not be read; the snapshot is incomplete. Not read: {output.Unreadable}\n{step}",
                snapshot, output.Summary)
            : Result(JobStatuses.Succeeded, 0, snapshot: snapshot, backup: output.Summary);
    }

    private async Task<JobResult> DrillAsync(
        JobSpec job, RepositoryAccess repository, JobOutput output,
        Func<string, int?, string?, string?, DrillSummary?, JobResult> result,
        Func<StopReason> stopReason, CancellationToken stop)
    {
        if (!WireValues.IsSnapshotId(job.SnapshotId))
        {
            return result(JobStatuses.Failed, null, JobErrors.SnapshotMissing, "the drill names no snapshot", null);
        }

        var run = await drills.RunAsync(job, repository, output.OnJson, stop);
        var (step, summary) = (run.Step, run.Summary);
        if (step.Cancelled || step.ExitCode == 130)
        {
            await restic.UnlockAsync(repository);
            var cancelled = stopReason() == StopReason.Cancelled;
            return result(cancelled ? JobStatuses.Cancelled : JobStatuses.Interrupted, step.ExitCode, JobErrors.Interrupted,
                cancelled ? "cancelled by an operator" : "interrupted: the agent stopped while restic ran", null);
        }

        if (run.Missing is { } missing)
        {
            return result(JobStatuses.Failed, step.ExitCode, JobErrors.SnapshotMissing, missing, null);
        }

        if (summary is null)
        {
            return result(JobStatuses.Failed, step.ExitCode, step.ErrorClass, step.ToString(), null);
        }

        if (summary.Mismatches.Count > 0)
        {
            var listed = string.Join("; ", summary.Mismatches.Take(5).Select(m => $"{m.Path}: {m.Problem}"));
            return result(JobStatuses.Failed, step.ExitCode, JobErrors.DrillMismatch,
                $"{summary.Mismatches.Count} of {summary.Files} sampled files did not restore intact: {listed}", summary);
        }

        return step.ExitCode != 0
            ? result(JobStatuses.Failed, step.ExitCode, step.ErrorClass, step.ToString(), summary)
            : result(JobStatuses.Succeeded, 0, null, null, summary);
    }

    [LoggerMessage(30, LogLevel.Information, "Running {Kind} job {JobId} on repository {RepositoryId}")]
    private static partial void LogRunning(ILogger logger, string kind, string jobId, string repositoryId);
}

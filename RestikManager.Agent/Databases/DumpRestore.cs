using RestikManager.Agent.Hooks;
using RestikManager.Agent.Restic;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Databases;

/// <summary>
/// Restores a dump by streaming it into an allowlisted restore command: <c>restic dump &lt;snapshot&gt; &lt;file&gt;</c> on the
/// command's stdin (e.g. <c>psql</c> into a new database). The file is the job's include path, or the snapshot's only file
/// (a database source's snapshot holds one).
/// </summary>
internal sealed class DumpRestore(ResticRunner restic, Allowlist allowlist)
{
    public sealed record Outcome(string Status, string? ErrorClass, string? Error, HookRun? Run);

    public async Task<Outcome> RunAsync(JobSpec job, RepositoryAccess repository, CancellationToken stop)
    {
        var (resolved, problem) = allowlist.Resolve(job.RestoreCommand!, AllowlistKinds.RestoreCommand);
        if (resolved is null)
        {
            return new Outcome(JobStatuses.Failed, JobErrors.HookNotAllowed, problem, null);
        }

        var file = job.IncludePath is { } include && include != "/" ? include : await OnlyFileAsync(job.SnapshotId!, repository, stop);
        if (file is null)
        {
            return new Outcome(JobStatuses.Failed, JobErrors.Failed,
                "the snapshot holds more than one file (or none): name the dump's file as the restore's path", null);
        }

        var tail = new OutputTail(repository.Environment.Values);
        var entry = resolved.Entry;
        ResticStep? step = null;
        var facts = new HookRunner.Facts(job.JobId, job.PlanId, SnapshotId: job.SnapshotId);
        var outcome = await HookProcess.RunAsync(HookProcess.StartInfo(entry.Argv!, entry, facts.Environment(HookPhases.Restore)),
            entry.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null, tail, stop,
            stdin: async input => step = await restic.RunPipedAsync(ResticArguments.Dump(job.SnapshotId!, file), repository, null, stop,
                rawStdout: async dump => await Pipe.CopyAsync(dump, input)));
        var run = new HookRun(resolved.Name, HookPhases.Restore, outcome.ExitCode, (long)outcome.Duration.TotalMilliseconds, tail.ToString(), outcome.TimedOut);
        if (outcome.Stopped || step is { Cancelled: true })
        {
            return new Outcome(JobStatuses.Cancelled, JobErrors.Interrupted, "stopped while the dump was restored", run);
        }

        if (step is not { ExitCode: 0 })
        {
            return new Outcome(JobStatuses.Failed, step?.ErrorClass ?? JobErrors.Failed,
                $"restic could not read {file} of the snapshot: {step}", run);
        }

        return outcome.Succeeded
            ? new Outcome(JobStatuses.Succeeded, null, null, run)
            : new Outcome(JobStatuses.Failed, JobErrors.HookFailed,
                $"the restore command '{resolved.Name}' {(outcome.TimedOut ? "was killed at its timeout" : $"exited with {outcome.ExitCode}")}", run);
    }

    private async Task<string?> OnlyFileAsync(string snapshot, RepositoryAccess repository, CancellationToken stop)
    {
        var files = new List<string>();
        await restic.RunAsync(ResticArguments.Ls(snapshot), repository, line =>
        {
            if (line is { Kind: "node", Type: "file", Path: { } path } && files.Count < 2)
            {
                files.Add(path);
            }
        }, stop);
        return files is [var only] ? only : null;
    }
}

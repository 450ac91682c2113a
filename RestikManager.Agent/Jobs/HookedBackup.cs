using RestikManager.Agent.Databases;
using RestikManager.Agent.Hooks;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Jobs;

/// <summary>
/// A plan's backup with what the host allows around it: every hook and database source it names is looked up in the
/// host's allowlist first (one missing or unsafe: nothing runs, <c>hook_not_allowed</c>); then the <c>before</c> hooks (a
/// failure aborts with <c>hook_failed</c> unless the plan continues on error), the paths, each database source as its own
/// snapshot (<c>dump_failed</c> when a dump fails), and at the end <c>after</c> (on success) or <c>onFailure</c> (after a
/// failed, cancelled or interrupted backup), then <c>finally</c>, which run whatever happened before them.
/// </summary>
internal sealed class HookedBackup(Allowlist allowlist, DumpRunner dumps, TimeProvider time)
{
    /// <summary>Whether <paramref name="job"/> needs more than restic's backup of its paths.</summary>
    public static bool Applies(JobSpec job) =>
        job.Kind == JobKinds.Backup && (job.Hooks is { IsEmpty: false } || job.Databases is { Count: > 0 } || job.UseFsSnapshot);

    public async Task<JobResult> RunAsync(
        JobSpec job, RepositoryAccess repository, DateTimeOffset startedAt, Action<JobProgress> progress,
        Func<CancellationToken, Task<JobResult>> backupPaths, Func<JobRunner.StopReason> stopReason, CancellationToken stop)
    {
        JobResult Ended(string status, string? errorClass, string? error) =>
            new(job.JobId, job.Kind, job.RepositoryId, job.Trigger, job.PlanId, status, startedAt, time.GetUtcNow(), null, errorClass, error);

        JobResult Stopped() => stopReason() == JobRunner.StopReason.Cancelled
            ? Ended(JobStatuses.Cancelled, JobErrors.Interrupted, "cancelled by an operator")
            : Ended(JobStatuses.Interrupted, JobErrors.Interrupted, "interrupted: the agent stopped");

        if (job.UseFsSnapshot && !OperatingSystem.IsWindows())
        {
            return Ended(JobStatuses.Failed, JobErrors.FsSnapshotUnsupported,
                "the plan asks for a file-system snapshot (useFsSnapshot), which only Windows hosts make (VSS); this host runs " + HostFacts.Os);
        }

        // Every name is looked up once, before anything runs; the phases run what was found.
        var planHooks = job.Hooks ?? new PlanHooks();
        var problems = new List<string>();
        var found = new Dictionary<string, Allowlist.Resolved>(StringComparer.Ordinal);
        foreach (var name in planHooks.Names.Distinct())
        {
            var (hook, problem) = allowlist.Resolve(name, AllowlistKinds.Hook);
            if (hook is null)
            {
                problems.Add(problem!);
            }
            else
            {
                found[name] = hook;
            }
        }

        List<Allowlist.Resolved> Hooks(IReadOnlyList<string>? names) => [.. (names ?? []).Select(n => found[n])];

        var sources = new List<Allowlist.Resolved>();
        foreach (var name in job.Databases ?? [])
        {
            var (source, problem) = allowlist.Resolve(name, AllowlistKinds.Postgres, AllowlistKinds.Mysql, AllowlistKinds.Sqlite, AllowlistKinds.Command);
            if (source is null)
            {
                problems.Add(problem!);
            }
            else
            {
                sources.Add(source);
            }
        }

        if (problems.Count > 0)
        {
            return Ended(JobStatuses.Failed, JobErrors.HookNotAllowed,
                $"nothing ran: this host's allowlist ({allowlist.Directory}) does not allow what the plan names: {string.Join("; ", problems)}");
        }

        var secrets = repository.Environment.Values.ToList();
        var facts = new HookRunner.Facts(job.JobId, job.PlanId);
        var runs = new List<HookRun>();
        var dumped = new List<DumpResult>();
        var (before, beforeFailed) = await HookRunner.RunPhaseAsync(HookPhases.Before, Hooks(planHooks.Before), facts, secrets, job.ContinueOnError, stop);
        runs.AddRange(before);
        JobResult result;
        if (stop.IsCancellationRequested)
        {
            result = Stopped();
        }
        else if (beforeFailed && !job.ContinueOnError)
        {
            var failed = before.Last(r => r.ExitCode != 0);
            result = Ended(JobStatuses.Failed, JobErrors.HookFailed,
                $"the before hook '{failed.Name}' {Why(failed)}, so the backup did not run: {LastLine(failed.OutputTail)}");
        }
        else
        {
            result = job.Paths is { Count: > 0 } ? await backupPaths(stop) : Ended(JobStatuses.Succeeded, null, null);
            foreach (var source in sources)
            {
                if (result.Status is JobStatuses.Cancelled or JobStatuses.Interrupted)
                {
                    break;
                }

                var dump = await dumps.RunAsync(job, source, repository, facts, secrets, progress, stop);
                runs.Add(dump.Run);
                dumped.Add(dump.Dump);
                if (dump.Stopped)
                {
                    result = Stopped() with { SnapshotId = result.SnapshotId, Backup = result.Backup };
                }
                else if (dump.Failure is { } failure)
                {
                    result = result with
                    {
                        Status = JobStatuses.Failed, ErrorClass = dump.ErrorClass,
                        Error = result.Error is { } earlier && result.ErrorClass != dump.ErrorClass ? earlier + "\n" + failure : failure,
                    };
                }
            }

            // A plan of database sources only: its job names the first dump's snapshot (what a drill of the plan restores).
            result = result with { SnapshotId = result.SnapshotId ?? dumped.FirstOrDefault(d => d.SnapshotId is not null)?.SnapshotId };
        }

        var ended = facts with { Status = result.Status, SnapshotId = result.SnapshotId };
        var afterwards = result.Status is JobStatuses.Succeeded or JobStatuses.Partial ? HookPhases.After : HookPhases.OnFailure;
        // These run as named whatever happened, the job's stop included: each is bounded by its own timeout.
        runs.AddRange((await HookRunner.RunPhaseAsync(afterwards, Hooks(afterwards == HookPhases.After ? planHooks.After : planHooks.OnFailure),
            ended, secrets, true, CancellationToken.None)).Runs);
        runs.AddRange((await HookRunner.RunPhaseAsync(HookPhases.Finally, Hooks(planHooks.Finally), ended, secrets, true, CancellationToken.None)).Runs);
        return result with { FinishedAt = time.GetUtcNow(), Hooks = runs, Dumps = dumped };
    }

    private static string Why(HookRun run) => run.TimedOut ? "was killed at its timeout"
        : run.ExitCode is { } code ? $"exited with {code}" : "could not start";

    private static string LastLine(string? tail) =>
        tail?.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "(no output)";
}

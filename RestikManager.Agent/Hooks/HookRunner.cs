using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Hooks;

/// <summary>
/// Runs a plan's hooks of one phase, in order, each as its allowlist entry says. Each hook gets the job's facts
/// (<c>RM_JOB_ID</c>, <c>RM_PLAN</c>, <c>RM_PHASE</c>, and where known <c>RM_STATUS</c>, <c>RM_SNAPSHOT_ID</c>), never a secret;
/// its output's tail is kept with the repository's secrets redacted.
/// </summary>
internal sealed class HookRunner(Allowlist allowlist)
{
    /// <summary>What the job tells its hooks.</summary>
    public sealed record Facts(string JobId, string? PlanId, string? Status = null, string? SnapshotId = null);

    /// <summary>
    /// Runs <paramref name="names"/>; a <c>before</c> phase stops at its first failure unless <paramref name="continueOnError"/>.
    /// Returns the runs and whether any failed.
    /// </summary>
    public async Task<(List<HookRun> Runs, bool Failed)> RunPhaseAsync(
        string phase, IReadOnlyList<string> names, Facts facts, IReadOnlyCollection<string> secrets, bool continueOnError, CancellationToken stop)
    {
        var runs = new List<HookRun>();
        var failed = false;
        foreach (var name in names)
        {
            var (resolved, problem) = allowlist.Resolve(name, AllowlistKinds.Hook);
            HookRun run;
            if (resolved is null)
            {
                run = new HookRun(name, phase, null, 0, problem);
            }
            else
            {
                var tail = new OutputTail(secrets);
                var environment = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["RM_JOB_ID"] = facts.JobId,
                    ["RM_PLAN"] = facts.PlanId ?? "",
                    ["RM_PHASE"] = phase,
                };
                if (facts.Status is { } status)
                {
                    environment["RM_STATUS"] = status;
                }

                if (facts.SnapshotId is { } snapshot)
                {
                    environment["RM_SNAPSHOT_ID"] = snapshot;
                }

                var entry = resolved.Entry;
                var outcome = await HookProcess.RunAsync(HookProcess.StartInfo(entry.Argv!, entry, environment),
                    entry.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : AllowEntry.DefaultHookTimeout, tail, stop);
                run = new HookRun(name, phase, outcome.ExitCode, (long)outcome.Duration.TotalMilliseconds, tail.ToString(), outcome.TimedOut);
            }

            runs.Add(run);
            if (run.ExitCode != 0)
            {
                failed = true;
                if (phase == HookPhases.Before && !continueOnError || stop.IsCancellationRequested)
                {
                    break;
                }
            }
        }

        return (runs, failed);
    }
}

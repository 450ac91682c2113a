using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Hooks;

/// <summary>
/// Runs a plan's hooks of one phase, in order, each as its allowlist entry says (the caller has looked every one up
/// before anything ran). Each hook gets the job's facts (<c>RM_JOB_ID</c>, <c>RM_PLAN</c>, <c>RM_PHASE</c>, and where known
/// <c>RM_STATUS</c>, <c>RM_SNAPSHOT_ID</c>), never a secret; its output's tail is kept with the repository's secrets redacted.
/// </summary>
internal static class HookRunner
{
    /// <summary>What the job tells its hooks, dump commands and restore commands.</summary>
    public sealed record Facts(string JobId, string? PlanId, string? Status = null, string? SnapshotId = null)
    {
        /// <summary>The facts as the <c>RM_*</c> environment of a command run in <paramref name="phase"/>.</summary>
        public Dictionary<string, string> Environment(string phase)
        {
            var environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["RM_JOB_ID"] = JobId,
                ["RM_PLAN"] = PlanId ?? "",
                ["RM_PHASE"] = phase,
            };
            if (Status is { } status)
            {
                environment["RM_STATUS"] = status;
            }

            if (SnapshotId is { } snapshot)
            {
                environment["RM_SNAPSHOT_ID"] = snapshot;
            }

            return environment;
        }
    }

    /// <summary>
    /// Runs <paramref name="hooks"/>; a <c>before</c> phase stops at its first failure unless <paramref name="continueOnError"/>.
    /// Returns the runs and whether any failed.
    /// </summary>
    public static async Task<(List<HookRun> Runs, bool Failed)> RunPhaseAsync(
        string phase, IReadOnlyList<Allowlist.Resolved> hooks, Facts facts, IReadOnlyCollection<string> secrets, bool continueOnError,
        CancellationToken stop)
    {
        var runs = new List<HookRun>();
        var failed = false;
        foreach (var (name, entry) in hooks)
        {
            var tail = new OutputTail(secrets);
            var outcome = await HookProcess.RunAsync(HookProcess.StartInfo(entry.Argv!, entry, facts.Environment(phase)),
                entry.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : AllowEntry.DefaultHookTimeout, tail, stop);
            var run = new HookRun(name, phase, outcome.ExitCode, (long)outcome.Duration.TotalMilliseconds, tail.ToString(), outcome.TimedOut);
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

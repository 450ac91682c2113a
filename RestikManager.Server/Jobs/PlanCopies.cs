using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Events;
using RestikManager.Server.Plans;

namespace RestikManager.Server.Jobs;

/// <summary>
/// Second copies: a plan's snapshots go to each of its copy targets with <c>restic copy</c>, which copies only what the
/// target lacks. A copy starts after each successful backup of the plan (on the host that made it, which is online), or
/// when an operator asks; at most one copy per plan and target waits at a time.
/// </summary>
internal sealed partial class PlanCopies(
    PlanStore plans, PlanDistributor distributor, AgentConnections connections, JobStore jobs, JobDispatcher dispatcher,
    Audit.AuditLog audit, ILogger<PlanCopies> logger) : IHandles<JobRecorded>
{
    /// <summary>An operator's copy of <paramref name="plan"/> to all its targets, on its first online host; audited as theirs.</summary>
    public (IReadOnlyList<JobRecord> Jobs, Refusal? Refusal) Run(Plan plan, string actor)
    {
        if (plan.CopyTo.Count == 0)
        {
            return ([], new Refusal(StatusCodes.Status409Conflict, "no_copy_targets", $"Plan '{plan.Name}' has no copy targets (copyTo)."));
        }

        if (distributor.FirstOnlineHost([plan]) is not { } host)
        {
            return ([], new Refusal(StatusCodes.Status409Conflict, "host_offline", $"No host of plan '{plan.Name}' is online."));
        }

        var started = Start(plan, host.Id, JobTriggers.Manual);
        audit.Append(actor, "plan.copy", $"plan:{plan.Name}", detail: string.Join(",", started.Select(j => j.Id)));
        return (started, null);
    }

    /// <summary>A backup of a plan with copy targets succeeded: its snapshot goes to them, from the host that made it.</summary>
    public void Handle(JobRecorded recorded)
    {
        if (recorded.Result is { Kind: JobKinds.Backup, Status: JobStatuses.Succeeded or JobStatuses.Partial, PlanId: { } planId }
            && plans.Find(planId) is { Enabled: true, CopyTo.Count: > 0 } plan && connections.IsOnline(recorded.AgentId))
        {
            Start(plan, recorded.AgentId, JobTriggers.Schedule);
        }
    }

    private List<JobRecord> Start(Plan plan, string agentId, string trigger)
    {
        var started = new List<JobRecord>();
        foreach (var target in plan.CopyTo)
        {
            // A copy still waiting copies the newest snapshot too when it runs: a second one would copy nothing.
            if (jobs.Unfinished(target).Any(j => j is { Kind: JobKinds.Copy, Status: JobStatuses.Queued } && j.PlanId == plan.Id))
            {
                continue;
            }

            started.Add(dispatcher.Enqueue(JobSpecs.Copy(plan, target, trigger), agentId));
        }

        if (started.Count > 0)
        {
            LogQueued(logger, started.Count, plan.Name);
        }

        return started;
    }

    [LoggerMessage(69, LogLevel.Information, "{Count} copies of plan {Plan} queued")]
    private static partial void LogQueued(ILogger logger, int count, string plan);
}

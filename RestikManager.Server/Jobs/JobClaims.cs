using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Plans;

namespace RestikManager.Server.Jobs;

/// <summary>How the server judges an agent's word about a job.</summary>
internal enum ClaimVerdict
{
    /// <summary>The agent's own work: a job the server sent it, or a scheduled backup of a plan that includes it.</summary>
    Accepted,

    /// <summary>
    /// A scheduled backup of a plan that no longer includes this host on that repository (changed or deleted while the
    /// host was away): refused, but an honest agent may say it, so the connection stays.
    /// </summary>
    Refused,

    /// <summary>Something no honest agent says (another host's job, a job the server never sent): the connection closes.</summary>
    Forged,
}

/// <summary>The verdict, why, and the job as the server knows it (null for a scheduled run not seen before).</summary>
internal sealed record Claim(ClaimVerdict Verdict, string Why, JobRecord? Known);

/// <summary>
/// An agent is a client, not a peer: every <c>jobStarted</c> and <c>jobResult</c> is a claim about its own work, checked
/// here against what the server gave it before anything is recorded. Accepted: a job the server dispatched to this agent
/// (and the claim names that job's kind, repository and plan), or a new id for a scheduled backup of a plan that targets
/// this agent on that plan's repository. Everything else changes nothing, and so never earns the agent a repository's
/// secrets (the snapshot refresh after a result goes to the agent only for work it was entitled to).
/// </summary>
internal sealed class JobClaims(JobStore jobs, PlanStore plans, AgentStore agents)
{
    public Claim Check(string agentId, IJobIdentity claim)
    {
        if (jobs.Find(claim.JobId) is { } known)
        {
            return known.AgentId != agentId ? Forged("job belongs to another host")
                : !claim.IsSameWorkAs(known) ? Forged("job does not match what the server sent")
                : new Claim(ClaimVerdict.Accepted, "", known);
        }

        var (kind, repositoryId, planId) = (claim.Kind, claim.RepositoryId, claim.PlanId);
        if (claim.Trigger != JobTriggers.Schedule || kind != JobKinds.Backup || planId is null)
        {
            // Agents start only scheduled backups on their own; every other job comes from the server with its id.
            return Forged("the server never sent this job");
        }

        var plan = plans.Find(planId);
        var agent = agents.Find(agentId);
        return plan is null ? Refused("its plan no longer exists")
            : plan.RepositoryId != repositoryId ? Refused("its plan backs up to another repository")
            : agent is null || !PlanDistributor.Targets(plan, agent) ? Refused("its plan does not include this host")
            : new Claim(ClaimVerdict.Accepted, "", null);
    }

    private static Claim Forged(string why) => new(ClaimVerdict.Forged, why, null);

    private static Claim Refused(string why) => new(ClaimVerdict.Refused, why, null);
}

using RestikManager.Server.Agents;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;

namespace RestikManager.Server.Protection;

/// <summary>Builds the dashboard's view of the fleet: every live host and how each enabled plan protects it.</summary>
internal sealed class ProtectionReport(AgentConnections connections, AgentPresence presence, Distribution.AgentReleases releases, JobStore jobs, CopyHistory copyHistory, TimeProvider time)
{
    /// <summary>The live hosts among <paramref name="agents"/> and how the enabled ones of <paramref name="plans"/> protect each.</summary>
    public IReadOnlyList<HostProtection> Hosts(IReadOnlyList<AgentRecord> agents, IReadOnlyList<Plan> plans)
    {
        var live = agents.Where(a => a.RevokedAt is null).ToList();
        var enabled = plans.Where(p => p.Enabled).ToList();
        var pairs = live.SelectMany(a => enabled.Where(p => PlanDistributor.Targets(p, a)).Select(p => (Agent: a, Plan: p))).ToList();
        var last = jobs.LastBackups(pairs.Select(x => (x.Agent.Id, x.Plan.Id)));
        var now = time.GetUtcNow();
        var copies = copyHistory.LastCopies(enabled.SelectMany(p => p.CopyTo.Select(t => (p.Id, t))));
        var byAgent = pairs.ToLookup(x => x.Agent.Id, x =>
        {
            var backup = last.GetValueOrDefault((x.Agent.Id, x.Plan.Id));
            return new PlanProtection(x.Plan, backup?.Latest, backup?.LastSucceededAt,
                PlanProtection.IsOverdue(x.Plan, x.Agent, backup?.LastSucceededAt, now))
            {
                LatestDrill = backup?.LatestDrill,
                LastPassedDrill = backup?.LastPassedDrill,
                CopiesCurrent = HostProtection.AreCopiesCurrent(x.Plan, backup?.LastSucceededAt, copies),
                Now = now,
            };
        });
        return [.. live.Select(a => new HostProtection(a.ToView(connections, presence, releases), [.. byAgent[a.Id]]))];
    }
}


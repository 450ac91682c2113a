using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Repositories;

namespace RestikManager.Server.Plans;

/// <summary>
/// Which hosts run which plans (by host or by label), and sending each online agent its whole plan set: when it
/// comes online and whenever a plan or repository changes. The set carries the repository secrets the agent needs
/// to back up on schedule while the server is away.
/// </summary>
internal sealed class PlanDistributor(PlanStore plans, RepositoryStore repositories, AgentStore agents, AgentConnections connections)
{
    public static bool Targets(Plan plan, AgentRecord agent) =>
        agent.RevokedAt is null && (plan.Hosts.Contains(agent.Id) || (agent.Label is not null && plan.Labels.Contains(agent.Label, StringComparer.OrdinalIgnoreCase)));

    /// <summary>The live hosts a plan runs on.</summary>
    public IReadOnlyList<AgentRecord> HostsOf(Plan plan) => agents.List().Where(a => Targets(plan, a)).ToList();

    public void Push(string agentId) => Push(agentId, plans.List());

    public void PushAll()
    {
        var all = plans.List();
        foreach (var id in connections.OnlineIds)
        {
            Push(id, all);
        }
    }

    private void Push(string agentId, IReadOnlyList<Plan> all)
    {
        if (agents.Find(agentId) is not { } agent)
        {
            return;
        }

        var set = new List<AgentPlan>();
        foreach (var plan in all.Where(p => p.Enabled && Targets(p, agent)))
        {
            if (repositories.Access(plan.RepositoryId) is { } access)
            {
                set.Add(new AgentPlan(plan.Id, plan.Name, plan.Schedule, plan.TimeZone, access, plan.Paths, plan.Excludes, plan.Tags,
                    plan.LimitUploadKiB, plan.LimitDownloadKiB));
            }
        }

        connections.TrySend(agentId, new PlanSet(set));
    }
}

using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Events;
using RestikManager.Server.Repositories;

namespace RestikManager.Server.Plans;

/// <summary>
/// Which hosts run which plans (by host or by label), and sending each online agent its whole plan set: when it
/// comes online and whenever a plan or repository changes. The set carries the repository secrets the agent needs
/// to back up on schedule while the server is away.
/// </summary>
internal sealed class PlanDistributor(PlanStore plans, RepositoryStore repositories, AgentStore agents, AgentConnections connections, DomainEvents events)
    : IAgentEvents, IHandles<HostLabelChanged>, IHandles<RepositoryChanged>, IHandles<PlanSetsChanged>
{
    // The plan list as last read: every change goes through PushAll, which reads it again, so an agent coming
    // online (a whole fleet, after a restart) costs no database read for it.
    private IReadOnlyList<Plan>? _plans;

    public static bool Targets(Plan plan, AgentRecord agent) => Targets(plan.Hosts, plan.Labels, agent);

    /// <summary>Whether a plan of these hosts (ids) and labels runs on <paramref name="agent"/> (one not saved yet, too).</summary>
    public static bool Targets(IEnumerable<string> hosts, IEnumerable<string> labels, AgentRecord agent) =>
        agent.RevokedAt is null && (hosts.Contains(agent.Id) || (agent.Label is not null && labels.Contains(agent.Label, StringComparer.OrdinalIgnoreCase)));

    /// <summary>The live hosts a plan runs on.</summary>
    public IReadOnlyList<AgentRecord> HostsOf(Plan plan) => HostsOf([plan]);

    /// <summary>The live hosts any of <paramref name="some"/> runs on, each once, plan by plan.</summary>
    public IReadOnlyList<AgentRecord> HostsOf(IEnumerable<Plan> some)
    {
        var all = agents.List();
        return [.. some.SelectMany(plan => all.Where(a => Targets(plan, a))).DistinctBy(a => a.Id)];
    }

    /// <summary>The first online host any of <paramref name="some"/> runs on, or null.</summary>
    public AgentRecord? FirstOnlineHost(IEnumerable<Plan> some) => HostsOf(some).FirstOrDefault(a => connections.IsOnline(a.Id));

    public IReadOnlyCollection<Type> Handles => [];

    /// <summary>Sends <paramref name="agent"/> its plan set (it has just come online).</summary>
    public void Online(AgentRecord agent, Hello hello, DateTimeOffset connectedAt) =>
        Push(agent with { Allowlist = AgentRecord.Stored(hello) }, _plans ??= plans.List());

    /// <summary>A host's label changed (on any replica): plans by label may now target it or not.</summary>
    public void Handle(HostLabelChanged domainEvent) => PushHere();

    /// <summary>A repository's URL or secrets changed (on any replica): the plans that use it carry them.</summary>
    public void Handle(RepositoryChanged domainEvent) => PushHere();

    /// <summary>Plans changed on some replica: this one sends its own agents their sets.</summary>
    public void Handle(PlanSetsChanged domainEvent) => PushHere();

    /// <summary>After any change to plans: every online agent, on every replica, gets its new set.</summary>
    public void PushAll() => events.Publish(new PlanSetsChanged());

    // A plan set carries repository secrets: each replica sends it to the agents connected to it, never through another.
    private void PushHere()
    {
        var all = _plans = plans.List();
        foreach (var id in connections.LocalIds)
        {
            if (agents.Find(id) is { } agent)
            {
                Push(agent, all);
            }
        }
    }

    private void Push(AgentRecord agent, IReadOnlyList<Plan> all)
    {
        var set = new List<AgentPlan>();
        // An on-demand plan (no schedule) gives the agent nothing to run by itself, so it is not sent.
        // An agent older than hooks would back a hooked plan's paths up without its hooks and sources: it is not sent one.
        foreach (var plan in all.Where(p => p.Enabled && p.Schedule is not null && Targets(p, agent)
                     && (agent.Allowlist is not null || !p.NeedsAllowlist)))
        {
            if (repositories.Access(plan.RepositoryId) is { } access)
            {
                set.Add(new AgentPlan(plan.Id, plan.Name, plan.Schedule!.Expression, plan.TimeZone, access, plan.Paths, plan.Excludes, plan.Tags,
                    plan.LimitUploadKiB, plan.LimitDownloadKiB, plan.Hooks.IsEmpty ? null : plan.Hooks, plan.ContinueOnError,
                    plan.Databases.Count > 0 ? plan.Databases : null, plan.UseFsSnapshot));
            }
        }

        connections.TrySend(agent.Id, new PlanSet(set));
    }
}

/// <summary>Plans changed: every replica sends its agents their plan sets again.</summary>
internal sealed record PlanSetsChanged : IReplicatedEvent;

using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Plans;

namespace RestikManager.Server.Jobs;

/// <summary>
/// Starts a plan's restore drills: one per host of the plan that has a successful backup, restoring that host's newest
/// snapshot on the plan's drill host (or, when the plan names none, on the host itself). A drill whose restoring host is
/// not online is not started.
/// </summary>
internal sealed partial class PlanDrills(
    PlanDistributor distributor, AgentStore agents, AgentConnections connections, JobStore jobs, JobDispatcher dispatcher,
    Audit.AuditLog audit, ILogger<PlanDrills> logger)
{
    /// <summary>An operator's drill, audited as theirs.</summary>
    public (IReadOnlyList<JobRecord> Jobs, Refusal? Refusal) Run(Plan plan, string actor)
    {
        var (started, refusal) = Start(plan, JobTriggers.Manual);
        if (refusal is null)
        {
            audit.Append(actor, "plan.drill", $"plan:{plan.Name}", detail: string.Join(",", started.Select(j => j.Id)));
        }

        return (started, refusal);
    }

    public (IReadOnlyList<JobRecord> Jobs, Refusal? Refusal) Start(Plan plan, string trigger)
    {
        var sources = distributor.HostsOf(plan)
            .Select(host => (Host: host, Snapshot: jobs.NewestSnapshot(host.Id, plan.Id)))
            .Where(x => x.Snapshot is not null)
            .ToList();
        if (sources.Count == 0)
        {
            return ([], new Refusal(StatusCodes.Status409Conflict, "no_snapshot",
                $"Plan '{plan.Name}' has no successful backup to drill yet: run a backup first."));
        }

        var restorer = plan.DrillHost is { } id ? agents.Find(id) : null;
        if (plan.DrillHost is not null && restorer is not { RevokedAt: null })
        {
            return ([], new Refusal(StatusCodes.Status409Conflict, "host_offline", $"The drill host of plan '{plan.Name}' is no longer enrolled."));
        }

        var started = new List<JobRecord>();
        var offline = new List<string>();
        foreach (var (host, snapshot) in sources)
        {
            var on = restorer ?? host;
            if (!connections.IsOnline(on.Id))
            {
                offline.Add(on.Hostname);
                continue;
            }

            started.Add(dispatcher.Enqueue(JobSpecs.Drill(plan, snapshot!, trigger), on.Id, host.Id));
        }

        if (started.Count == 0)
        {
            return ([], new Refusal(StatusCodes.Status409Conflict, "host_offline",
                $"No host that would restore a drill of plan '{plan.Name}' is online ({string.Join(", ", offline.Distinct())})."));
        }

        if (offline.Count > 0)
        {
            LogSkipped(logger, plan.Name, string.Join(", ", offline.Distinct()));
        }

        return (started, null);
    }

    [LoggerMessage(65, LogLevel.Warning, "Drills of plan {Plan} not started where the restoring host is offline: {Hosts}")]
    private static partial void LogSkipped(ILogger logger, string plan, string hosts);
}

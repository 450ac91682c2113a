using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;
using RestikManager.Server.Protection;

namespace RestikManager.Server.Alerts;

/// <summary>A host as the evaluation sees it: its record, whether it is connected and when it was last heard from.</summary>
internal sealed record WatchedHost(AgentRecord Agent, bool Online, DateTimeOffset? LastSeen);

/// <summary>A repository's newest finished check, and its newest finished prune or forget.</summary>
internal sealed record RepositoryHealth(string RepositoryId, string RepositoryName, JobRecord? Check, JobRecord? Prune);

/// <summary>A channel as the evaluation sees it: its name, its kind and its run of failed deliveries.</summary>
internal sealed record WatchedChannel(string Id, string Name, string Kind, ChannelRun? Run);

/// <summary>Everything one evaluation reads, read once.</summary>
internal sealed record FleetState(
    IReadOnlyList<AlertRule> Rules, IReadOnlyList<WatchedHost> Hosts, IReadOnlyList<Plan> Plans,
    IReadOnlyDictionary<(string AgentId, string PlanId), LastBackup> LastBackups, IReadOnlyList<RepositoryHealth> Repositories,
    DateTimeOffset WatchingSince, DateTimeOffset Now, Func<string?, string?, string?> ServedAgentVersion)
{
    /// <summary>The channels, by id (none: channels are not watched).</summary>
    public IReadOnlyDictionary<string, WatchedChannel> Channels { get; init; } = new Dictionary<string, WatchedChannel>();

    /// <summary>Each plan's newest copy per target (empty: copies are not watched).</summary>
    public IReadOnlyDictionary<(string PlanId, string TargetId), LastCopy> LastCopies { get; init; } = new Dictionary<(string, string), LastCopy>();

    /// <summary>How many failed deliveries in a row make a channel failing.</summary>
    public int ChannelFailingAfter { get; init; } = 1;
}

/// <summary>A condition a rule found true now.</summary>
internal sealed record Condition(
    AlertRule Rule, string Event, string Subject, AgentRecord? Agent, Plan? Plan, RepositoryHealth? Repository, JobRecord? Job, string Message)
{
    public (string RuleId, string Event, string Subject) Key => (Rule.Id, Event, Subject);
}

/// <summary>
/// Which conditions hold, and which (rule, event, subject) were watched at all: an incident whose key is watched but
/// no longer holds has cleared (a resolved message); one whose key is no longer watched (the rule changed, the host was
/// revoked, the plan removed) is closed without a message. Pure: the same state gives the same answer.
/// </summary>
internal static class AlertConditions
{
    public static (IReadOnlyList<Condition> Found, IReadOnlySet<(string RuleId, string Event, string Subject)> Watched) Evaluate(FleetState state)
    {
        var found = new List<Condition>();
        var watched = new HashSet<(string, string, string)>();
        var enabledPlans = state.Plans.Where(p => p.Enabled).ToList();
        foreach (var rule in state.Rules.Where(r => r.Enabled))
        {
            var events = rule.Events.ToHashSet(StringComparer.Ordinal);
            foreach (var host in state.Hosts.Where(h => h.Agent.RevokedAt is null && rule.CoversHost(h.Agent.Id, h.Agent.Label)))
            {
                var plans = enabledPlans.Where(p => PlanDistributor.Targets(p, host.Agent)).ToList();
                if (rule.Plans.Count == 0 || plans.Any(p => rule.Plans.Contains(p.Id)))
                {
                    HostEvents(rule, events, host, state, found, watched);
                }

                foreach (var plan in plans.Where(p => rule.CoversPlan(p.Id)))
                {
                    BackupEvents(rule, events, host.Agent, plan, state, found, watched);
                }
            }

            foreach (var repository in state.Repositories)
            {
                RepositoryEvents(rule, events, repository, state, found, watched);
            }

            if (events.Contains(AlertEvents.CopyFailed))
            {
                foreach (var plan in enabledPlans.Where(p => rule.CoversPlan(p.Id)))
                {
                    CopyEvents(rule, plan, state, found, watched);
                }
            }

            ChannelEvents(rule, state, found, watched);
        }

        return (found, watched);
    }

    private static void HostEvents(
        AlertRule rule, HashSet<string> events, WatchedHost host, FleetState state, List<Condition> found, HashSet<(string, string, string)> watched)
    {
        var agent = host.Agent;
        var subject = $"host:{agent.Id}";
        if (events.Contains(AlertEvents.HostOffline))
        {
            watched.Add((rule.Id, AlertEvents.HostOffline, subject));
            // The server can tell a host is silent only while it listens: the clock starts at the later of the host's last
            // word and the server's start, so a restarted server does not call its whole fleet offline.
            var heard = Later(host.LastSeen ?? Parse(agent.EnrolledAt), state.WatchingSince);
            if (!host.Online && state.Now - heard >= TimeSpan.FromMinutes(rule.OfflineAfterMinutes))
            {
                var last = host.LastSeen is { } seen ? $"since {Stamp(seen)}" : "since it enrolled";
                found.Add(new Condition(rule, AlertEvents.HostOffline, subject, agent, null, null, null,
                    $"Host '{agent.Hostname}' has not been connected {last}."));
            }
        }

        if (events.Contains(AlertEvents.AgentOutdated))
        {
            watched.Add((rule.Id, AlertEvents.AgentOutdated, subject));
            if (agent.AgentVersion is { } version && state.ServedAgentVersion(agent.Os, agent.Arch) is { } served && version != served)
            {
                found.Add(new Condition(rule, AlertEvents.AgentOutdated, subject, agent, null, null, null,
                    $"Host '{agent.Hostname}' runs agent {version}; this server serves {served} for {agent.Os}/{agent.Arch}."));
            }
        }
    }

    private static void BackupEvents(
        AlertRule rule, HashSet<string> events, AgentRecord agent, Plan plan, FleetState state,
        List<Condition> found, HashSet<(string, string, string)> watched)
    {
        var subject = $"plan:{plan.Id}/host:{agent.Id}";
        var last = state.LastBackups.GetValueOrDefault((agent.Id, plan.Id));
        var latest = last?.Latest;
        var what = $"The backup of plan '{plan.Name}' on host '{agent.Hostname}'";
        if (events.Contains(AlertEvents.BackupFailed))
        {
            watched.Add((rule.Id, AlertEvents.BackupFailed, subject));
            if (latest is { Status: JobStatuses.Failed or JobStatuses.Interrupted or JobStatuses.Cancelled })
            {
                found.Add(new Condition(rule, AlertEvents.BackupFailed, subject, agent, plan, null, latest,
                    $"{what} {(latest.Status == JobStatuses.Failed ? "failed" : "was " + latest.Status)}{Why(latest)}"));
            }
        }

        if (events.Contains(AlertEvents.BackupPartial))
        {
            watched.Add((rule.Id, AlertEvents.BackupPartial, subject));
            if (latest is { Status: JobStatuses.Partial })
            {
                found.Add(new Condition(rule, AlertEvents.BackupPartial, subject, agent, plan, null, latest,
                    $"{what} left files out (restic could not read some of them): the snapshot is incomplete{Why(latest)}"));
            }
        }

        var drill = last?.LatestDrill;
        if (events.Contains(AlertEvents.DrillFailed))
        {
            watched.Add((rule.Id, AlertEvents.DrillFailed, subject));
            if (drill is { Status: JobStatuses.Failed })
            {
                var mismatches = JobStore.DrillOf(drill)?.Mismatches ?? [];
                var named = mismatches.Count == 0 ? "" : $" ({string.Join("; ", mismatches.Take(3).Select(m => $"{m.Path}: {m.Problem}"))})";
                found.Add(new Condition(rule, AlertEvents.DrillFailed, subject, agent, plan, null, drill,
                    $"The restore drill of plan '{plan.Name}' for host '{agent.Hostname}' {drill.Status}{Why(drill)}{named}"));
            }
        }

        if (events.Contains(AlertEvents.Unproven) && plan.RequireDrillWithinDays is { } days && latest is { Status: JobStatuses.Succeeded })
        {
            watched.Add((rule.Id, AlertEvents.Unproven, subject));
            if (PlanProtection.IsUnproven(plan, drill, last?.LastPassedDrill, state.Now))
            {
                found.Add(new Condition(rule, AlertEvents.Unproven, subject, agent, plan, null, drill,
                    $"No restore drill of plan '{plan.Name}' proved host '{agent.Hostname}' restorable within {days} days: "
                    + $"the last passing drill was {last?.LastPassedDrill?.FinishedAt ?? "never"}."));
            }
        }

        if (events.Contains(AlertEvents.BackupOverdue))
        {
            watched.Add((rule.Id, AlertEvents.BackupOverdue, subject));
            if (PlanProtection.IsOverdue(plan, agent, last?.LastSucceededAt, state.Now, TimeSpan.FromMinutes(rule.OverdueGraceMinutes)))
            {
                found.Add(new Condition(rule, AlertEvents.BackupOverdue, subject, agent, plan, null, latest,
                    $"Plan '{plan.Name}' missed its scheduled backup of host '{agent.Hostname}': the last success was {last?.LastSucceededAt ?? "never"}."));
            }
        }
    }

    private static void RepositoryEvents(
        AlertRule rule, HashSet<string> events, RepositoryHealth repository, FleetState state, List<Condition> found, HashSet<(string, string, string)> watched)
    {
        if (rule.Plans.Count > 0 && !state.Plans.Any(p => rule.Plans.Contains(p.Id) && p.RepositoryId == repository.RepositoryId))
        {
            return;
        }

        var subject = $"repository:{repository.RepositoryId}";
        foreach (var (name, job) in new[] { (AlertEvents.CheckFailed, repository.Check), (AlertEvents.PruneFailed, repository.Prune) })
        {
            if (!events.Contains(name))
            {
                continue;
            }

            var agent = job is null ? null : state.Hosts.FirstOrDefault(h => h.Agent.Id == job.AgentId)?.Agent;
            if ((rule.Hosts.Count > 0 || rule.Labels.Count > 0) && (agent is null || !rule.CoversHost(agent.Id, agent.Label)))
            {
                continue;
            }

            watched.Add((rule.Id, name, subject));
            if (job is { Status: JobStatuses.Failed or JobStatuses.Interrupted })
            {
                found.Add(new Condition(rule, name, subject, agent, null, repository, job,
                    $"The {job.Kind} of repository '{repository.RepositoryName}'{(agent is null ? "" : $" on host '{agent.Hostname}'")} {job.Status}{Why(job)}"));
            }
        }
    }

    private static void CopyEvents(AlertRule rule, Plan plan, FleetState state, List<Condition> found, HashSet<(string, string, string)> watched)
    {
        foreach (var target in plan.CopyTo)
        {
            var subject = $"plan:{plan.Id}/copy:{target}";
            var job = state.LastCopies.GetValueOrDefault((plan.Id, target))?.Latest;
            var agent = job is null ? null : state.Hosts.FirstOrDefault(h => h.Agent.Id == job.AgentId)?.Agent;
            if ((rule.Hosts.Count > 0 || rule.Labels.Count > 0) && (agent is null || !rule.CoversHost(agent.Id, agent.Label)))
            {
                continue;
            }

            watched.Add((rule.Id, AlertEvents.CopyFailed, subject));
            if (job is { Status: JobStatuses.Failed or JobStatuses.Interrupted })
            {
                var name = state.Repositories.FirstOrDefault(r => r.RepositoryId == target)?.RepositoryName ?? target;
                found.Add(new Condition(rule, AlertEvents.CopyFailed, subject, agent, plan, null, job,
                    $"The copy of plan '{plan.Name}' to repository '{name}'{(agent is null ? "" : $" on host '{agent.Hostname}'")} {job.Status}{Why(job)}"));
            }
        }
    }

    // Every rule watches the channels it sends to: a broken pager is told on the rule's other channels.
    private static void ChannelEvents(AlertRule rule, FleetState state, List<Condition> found, HashSet<(string, string, string)> watched)
    {
        foreach (var id in rule.Channels)
        {
            if (!state.Channels.TryGetValue(id, out var channel))
            {
                continue;
            }

            var subject = $"channel:{id}";
            watched.Add((rule.Id, AlertEvents.ChannelFailing, subject));
            if (channel.Run is { } run && run.IsFailing(state.ChannelFailingAfter))
            {
                var count = run.FailedInARow == 1 ? "its last delivery" : $"its last {run.FailedInARow} deliveries";
                found.Add(new Condition(rule, AlertEvents.ChannelFailing, subject, null, null, null, null,
                    $"Notification channel '{channel.Name}' is failing: {count} could not be delivered ({run.LastError}). "
                    + "Fix its settings, then Send test: a delivered test clears this."));
            }
        }
    }

    private static string Why(JobRecord job)
    {
        var line = job.Error?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        line = line is { Length: > 300 } ? line[..300] + "…" : line;
        return (job.ErrorClass, line) switch
        {
            (null, null) => ".",
            (_, null) => $" ({job.ErrorClass}).",
            (null, _) => $": {line}",
            _ => $" ({job.ErrorClass}): {line}",
        };
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Parse(string value) => DateTimeOffset.Parse(value, System.Globalization.CultureInfo.InvariantCulture);

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RestikManager.Server.Agents;
using RestikManager.Server.Alerts.Sending;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;
using RestikManager.Server.Repositories;
using RestikManager.Server.Telemetry;
using RestikManager.Server.Workers;

namespace RestikManager.Server.Alerts;

/// <summary>
/// Evaluates every rule against the fleet every <see cref="AlertOptions.EvaluateEvery"/>, and soon after a nudge (a job
/// ended, a host connected): one pass over state read once (hosts, plans, each pair's newest backups from the job
/// store's cache, repository health, firing incidents), no loop per host. New conditions fire an incident, cleared ones
/// resolve it, and firing ones past their rule's reminder interval remind; each with its deliveries in one transaction.
/// </summary>
internal sealed partial class AlertEvaluator(
    RuleStore rules, ChannelStore channels, IncidentStore incidents, AgentStore agents, AgentConnections connections,
    AgentPresence presence, PlanStore plans, RepositoryStore repositories, JobStore jobs, CopyHistory copies, AlertSignal signal, DeliveryWorker worker,
    AlertLinks links, Distribution.AgentReleases releases, ServerTelemetry telemetry, WorkerIterations iterations, Replicas.Leadership leadership, IOptions<AlertOptions> options, TimeProvider time, ILogger<AlertEvaluator> logger)
    : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly DateTimeOffset _watchingSince = time.GetUtcNow();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        leadership.Elected += signal.Nudge;
        await Task.Yield();
        var every = options.Value.EvaluateEvery;
        var spacing = every < TimeSpan.FromSeconds(1) ? every : TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Incidents fire once: only the leading replica evaluates (on SQLite, the one server).
            if (leadership.IsLeader)
            {
                await iterations.RunAsync(WorkerNames.AlertEvaluator, () => Evaluate(), stoppingToken);
            }


            try
            {
                // Nudges in a burst (a thousand results) are one evaluation a second, not one each.
                await Task.Delay(spacing, time, stoppingToken);
                await signal.WaitAsync(every - spacing, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One evaluation; returns how many incidents fired, resolved and reminded.</summary>
    public (int Fired, int Resolved, int Reminded) Evaluate()
    {
        lock (_gate)
        {
            var started = Stopwatch.GetTimestamp();
            var outcome = EvaluateLocked();
            telemetry.AlertsEvaluated(Stopwatch.GetElapsedTime(started));
            return outcome;
        }
    }

    private (int, int, int) EvaluateLocked()
    {
        var now = time.GetUtcNow();
        var ruleList = rules.List();
        var firing = incidents.Firing();
        if (ruleList.All(r => !r.Enabled) && firing.Count == 0)
        {
            return (0, 0, 0);
        }

        var state = Read(ruleList, now);
        var (found, watched) = AlertConditions.Evaluate(state);
        var open = firing.ToDictionary(i => (i.RuleId, i.Event, i.Subject));
        var channelKinds = state.Channels.Values.ToDictionary(c => c.Id, c => c.Kind);
        var rulesById = ruleList.ToDictionary(r => r.Id);
        var names = new Names(state);
        var fired = new List<Incident>();
        var reminded = new List<string>();
        var resolved = new List<string>();
        var deliveries = new List<NewDelivery>();
        var at = now.ToString("O", CultureInfo.InvariantCulture);
        foreach (var condition in found)
        {
            if (!open.TryGetValue(condition.Key, out var incident))
            {
                incident = new Incident(Guid.NewGuid().ToString("N"), condition.Rule.Id, condition.Rule.Name, condition.Event, condition.Subject,
                    condition.Agent?.Id, condition.Plan?.Id, condition.Repository?.RepositoryId, condition.Job?.Id, condition.Message,
                    AlertStates.Firing, at, null, at, 0);
                fired.Add(incident);
                deliveries.AddRange(Announce(incident, condition.Rule, AlertStates.Firing, 0, incident.Message, names, channelKinds, now));
            }
            else if (condition.Rule.RemindEveryMinutes > 0
                     && Parse(incident.LastNotifiedAt) + TimeSpan.FromMinutes(condition.Rule.RemindEveryMinutes) <= now)
            {
                reminded.Add(incident.Id);
                deliveries.AddRange(Announce(incident, condition.Rule, AlertStates.Firing, incident.Reminders + 1,
                    "Still firing: " + condition.Message, names, channelKinds, now));
            }
        }

        var holding = found.Select(c => c.Key).ToHashSet();
        foreach (var (key, incident) in open.Where(kv => !holding.Contains(kv.Key)))
        {
            resolved.Add(incident.Id);
            // Cleared while still watched: say so. No longer watched (rule changed or gone, host revoked, plan removed): closed quietly.
            if (watched.Contains(key) && rulesById.TryGetValue(incident.RuleId, out var rule))
            {
                deliveries.AddRange(Announce(incident, rule, AlertStates.Resolved, 0, "Resolved: " + incident.Message, names, channelKinds, now));
            }
        }

        if (fired.Count + resolved.Count + reminded.Count > 0)
        {
            incidents.Commit(fired, resolved, reminded, deliveries);
            LogEvaluated(logger, fired.Count, resolved.Count, reminded.Count, deliveries.Count);
        }

        if (deliveries.Count > 0)
        {
            worker.Nudge();
        }

        return (fired.Count, resolved.Count, reminded.Count);
    }

    private FleetState Read(IReadOnlyList<AlertRule> ruleList, DateTimeOffset now)
    {
        var events = ruleList.Where(r => r.Enabled).SelectMany(r => r.Events).ToHashSet();
        var hosts = agents.List().Where(a => a.RevokedAt is null)
            .Select(a => new WatchedHost(a, connections.IsOnline(a.Id), presence.LastSeen(a.Id) ?? (a.LastSeenAt is { } seen ? Parse(seen) : null)))
            .ToList();
        var planList = plans.List();
        IReadOnlyDictionary<(string, string), LastBackup> last = new Dictionary<(string, string), LastBackup>();
        if (events.Any(AlertEvents.IsAboutBackups))
        {
            var enabled = planList.Where(p => p.Enabled).ToList();
            last = jobs.LastBackups(hosts.SelectMany(h => enabled.Where(p => PlanDistributor.Targets(p, h.Agent)).Select(p => (h.Agent.Id, p.Id))));
        }

        var health = new List<RepositoryHealth>();
        if (events.Any(AlertEvents.IsAboutRepository) || events.Contains(AlertEvents.CopyFailed))
        {
            var newest = jobs.NewestMaintenance().ToLookup(j => j.RepositoryId);
            health.AddRange(repositories.List().Select(r => new RepositoryHealth(r.Id, r.Name,
                newest[r.Id].FirstOrDefault(j => j.Kind == Contracts.Protocol.JobKinds.Check),
                newest[r.Id].Where(j => j.Kind is Contracts.Protocol.JobKinds.Prune or Contracts.Protocol.JobKinds.Forget)
                    .MaxBy(j => j.FinishedAt, StringComparer.Ordinal))));
        }

        var runs = incidents.ChannelRuns();
        return new FleetState(ruleList, hosts, planList, last, health, _watchingSince, now, releases.Version)
        {
            Channels = channels.List().ToDictionary(c => c.Id, c => new WatchedChannel(c.Id, c.Name, c.Kind, runs.GetValueOrDefault(c.Id))),
            ChannelFailingAfter = options.Value.ChannelFailingAfter,
            LastCopies = events.Contains(AlertEvents.CopyFailed)
                ? copies.LastCopies(planList.Where(p => p.Enabled).SelectMany(p => p.CopyTo.Select(t => (p.Id, t))))
                : new Dictionary<(string, string), LastCopy>(),
        };
    }

    private IEnumerable<NewDelivery> Announce(
        Incident incident, AlertRule rule, string state, long sequence, string text, Names names, Dictionary<string, string> channelKinds, DateTimeOffset now)
    {
        var message = new AlertMessage(incident.Event, state, incident.Id, names.Host(incident.AgentId), names.Plan(incident.PlanId),
            incident.JobId is { } job ? new AlertRef(job, AlertEvents.JobName(incident.Event)) : null, text,
            AlertMessage.Stamp(now), links.For(Page(incident)),
            names.Repository(incident.RepositoryId));
        var payload = JsonSerializer.Serialize(message, AlertJson.Default.AlertMessage);
        // Healthchecks channels take pings of backups, not incident messages; a failing channel is not told it fails.
        var failing = AlertEvents.ChannelOf(incident.Event, incident.Subject);
        return rule.Channels.Where(id => channelKinds.TryGetValue(id, out var kind) && kind != ChannelKinds.Healthchecks && id != failing)
            .Select(id => new NewDelivery(incident.Id, id, state, sequence, payload));
    }

    private static string Page(Incident incident) =>
        incident.Event == AlertEvents.ChannelFailing ? "/notifications"
        : incident.JobId is { } job && incident.RepositoryId is null ? $"/jobs/{job}"
        : incident.RepositoryId is { } repository ? $"/repositories/{repository}"
        : incident.AgentId is { } agent ? $"/hosts/{agent}" : "/alerts";

    private static DateTimeOffset Parse(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);

    /// <summary>Names for the ids an incident holds, from the state just read (the id when it is gone).</summary>
    private sealed class Names(FleetState state)
    {
        private readonly Dictionary<string, string> _hosts = state.Hosts.ToDictionary(h => h.Agent.Id, h => h.Agent.Hostname);
        private readonly Dictionary<string, string> _plans = state.Plans.ToDictionary(p => p.Id, p => p.Name);
        private readonly Dictionary<string, string> _repositories = state.Repositories.ToDictionary(r => r.RepositoryId, r => r.RepositoryName);

        public AlertRef? Host(string? id) => id is null ? null : new AlertRef(id, _hosts.GetValueOrDefault(id, id));

        public AlertRef? Plan(string? id) => id is null ? null : new AlertRef(id, _plans.GetValueOrDefault(id, id));

        public AlertRef? Repository(string? id) => id is null ? null : new AlertRef(id, _repositories.GetValueOrDefault(id, id));
    }

    [LoggerMessage(110, LogLevel.Information, "Alerts: {Fired} fired, {Resolved} resolved, {Reminded} reminded; {Deliveries} messages queued")]
    private static partial void LogEvaluated(ILogger logger, int fired, int resolved, int reminded, int deliveries);
}

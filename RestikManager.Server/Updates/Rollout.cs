using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Distribution;
using RestikManager.Server.Workers;

namespace RestikManager.Server.Updates;

/// <summary>
/// Brings agents to the version this server serves for their platform. In <c>automatic</c> mode a staged rollout: the
/// canaries (the hosts labelled with the policy's canary label, or else a fixed share of the fleet chosen by a hash of
/// each host's id) are offered the update first; the rest follow once no canary is still on its way, at most
/// <see cref="UpdateOptions.MaxInFlight"/> at a time. A host that reports a failed update, or does not come back on the
/// new version within <see cref="UpdateOptions.ComeBackWithin"/>, pauses the rollout until an admin resumes it. One pass
/// reads the agents once; nothing runs per host between passes.
/// </summary>
internal sealed partial class Rollout(
    UpdateStore store, AgentStore agents, AgentConnections connections, AgentReleases releases, WorkerIterations iterations, IOptions<UpdateOptions> options,
    Replicas.Leadership leadership, TimeProvider time, ILogger<Rollout> logger) : BackgroundService, IAgentEvents
{
    private readonly SemaphoreSlim _nudge = new(0, 1);

    public IReadOnlyCollection<Type> Handles => [typeof(UpdateFailed)];

    /// <summary>Asks for a pass soon (a host came online, the policy changed).</summary>
    public void Nudge()
    {
        try
        {
            _nudge.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>A hello settles the host's update: reported failed, or back on the version it was offered.</summary>
    public void Online(AgentRecord agent, Hello hello, DateTimeOffset connectedAt)
    {
        var record = agents.Find(agent.Id) ?? agent;
        if (hello.FailedUpdate is { } failed)
        {
            Failed(record, failed);
        }
        else if (record.UpdateState == UpdateStates.Sent && hello.AgentVersion == record.UpdateVersion)
        {
            agents.SetUpdate(agent.Id, record.UpdateVersion, UpdateStates.Done, null, time.GetUtcNow());
            LogDone(logger, agent.Hostname, record.UpdateVersion);
        }

        Nudge();
    }

    public Breach? Received(string agentId, AgentMessage message)
    {
        if (message is UpdateFailed { Failure: var failure } && agents.Find(agentId) is { } record)
        {
            Failed(record, failure);
        }

        return null;
    }

    /// <summary>
    /// Records a failed update and pauses an automatic rollout, only for the update this host was offered and has not
    /// settled: a failure repeated by later hellos, or told of a version never offered, changes nothing.
    /// </summary>
    private void Failed(AgentRecord record, UpdateFailure failed)
    {
        if (record.UpdateState != UpdateStates.Sent || record.UpdateVersion != failed.Version || !WireValues.IsPlainText(failed.Version, 64))
        {
            return;
        }

        var reason = failed.Reason.Length > 500 ? failed.Reason[..500] + "…" : failed.Reason;
        agents.SetUpdate(record.Id, failed.Version, UpdateStates.Failed, reason, time.GetUtcNow());
        LogFailed(logger, record.Hostname, failed.Version, reason);
        PauseIfAutomatic($"the update of {record.Hostname} to {failed.Version} failed: {reason}");
    }

    /// <summary>Offers <paramref name="agent"/> the update now (the API's and the page's "update"); false when it is offline.</summary>
    public bool Offer(AgentRecord agent, AgentRelease release)
    {
        // Recorded before it is sent: a fast agent's answer (a failure, or its hello with the new version) must find the
        // offer it answers, or a real failure would be dropped as one never offered.
        agents.SetUpdate(agent.Id, release.Version!, UpdateStates.Sent, null, time.GetUtcNow());
        if (!connections.TrySend(agent.Id, new UpdateAgent(release.Version!, release.Sha256, release.Size)))
        {
            agents.RestoreUpdate(agent);
            return false;
        }

        LogOffered(logger, agent.Hostname, release.Version!);
        return true;
    }

    /// <summary>Which phase the rollout is in: <c>off</c>, <c>manual</c>, <c>paused</c>, <c>canaries</c>, <c>rest</c> or <c>done</c>.</summary>
    public async Task<(string Phase, IReadOnlySet<string> Canaries)> PhaseAsync(CancellationToken cancellationToken)
    {
        var policy = store.Policy();
        var plan = await PlanAsync(policy, agents.List(), cancellationToken);
        var phase = policy.Mode != UpdateModes.Automatic ? policy.Mode
            : policy.PausedReason is not null ? "paused"
            : plan.Outdated.Count == 0 ? "done"
            : plan.CanariesPending ? "canaries" : "rest";
        return (phase, plan.Canaries);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        leadership.Elected += Nudge;
        while (!stoppingToken.IsCancellationRequested)
        {
            // One rollout for the fleet: the leading replica runs it (its offers reach agents on any replica).
            if (leadership.IsLeader)
            {
                await iterations.RunAsync(WorkerNames.Rollout, PassAsync, stoppingToken);
            }


            try
            {
                await _nudge.WaitAsync(options.Value.EvaluateEvery, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass: updates that never came back fail (and pause); then, when automatic and not paused, offers.</summary>
    public async Task PassAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var all = agents.List();
        foreach (var agent in all.Where(a => a.UpdateState == UpdateStates.Sent && SentAt(a) is { } at && now - at > options.Value.ComeBackWithin))
        {
            var reason = $"did not come back on {agent.UpdateVersion} within {options.Value.ComeBackWithin.TotalMinutes:0.#} min";
            agents.SetUpdate(agent.Id, agent.UpdateVersion!, UpdateStates.Failed, reason, now);
            LogFailed(logger, agent.Hostname, agent.UpdateVersion!, reason);
            PauseIfAutomatic($"the update of {agent.Hostname} to {agent.UpdateVersion} failed: {reason}");
        }

        var policy = store.Policy();
        if (policy.Mode != UpdateModes.Automatic || policy.PausedReason is not null)
        {
            return;
        }

        all = agents.List();
        var plan = await PlanAsync(policy, all, cancellationToken);
        var inFlight = all.Count(a => a.UpdateState == UpdateStates.Sent && a.RevokedAt is null);
        var room = options.Value.MaxInFlight - inFlight;
        foreach (var (agent, release) in plan.Outdated)
        {
            if (room <= 0)
            {
                break;
            }

            var waiting = agent.UpdateState == UpdateStates.Sent && agent.UpdateVersion == release.Version;
            var gaveUp = agent.UpdateState == UpdateStates.Failed && agent.UpdateVersion == release.Version;
            if (waiting || gaveUp || !connections.IsOnline(agent.Id) || (plan.CanariesPending && !plan.Canaries.Contains(agent.Id)))
            {
                continue;
            }

            if (Offer(agent, release))
            {
                room--;
            }
        }
    }

    private sealed record RolloutPlan(List<(AgentRecord Agent, AgentRelease Release)> Outdated, IReadOnlySet<string> Canaries, bool CanariesPending);

    private async Task<RolloutPlan> PlanAsync(UpdatePolicy policy, IReadOnlyList<AgentRecord> all, CancellationToken cancellationToken)
    {
        var served = (await releases.AllAsync(cancellationToken)).Where(r => r.Version is not null).ToDictionary(r => (r.Os, r.Arch));
        var fleet = all.Where(a => a.RevokedAt is null && a.AgentVersion is not null && a.Os is not null && a.Arch is not null
            && served.ContainsKey((a.Os, a.Arch))).ToList();
        HashSet<string> canaries = policy.CanaryLabel is { } label
            ? [.. fleet.Where(a => string.Equals(a.Label, label, StringComparison.OrdinalIgnoreCase)).Select(a => a.Id)]
            : [.. fleet.OrderBy(a => BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(a.Id)))).ThenBy(a => a.Id, StringComparer.Ordinal)
                .Take((int)Math.Ceiling(fleet.Count * policy.CanaryPercent / 100.0)).Select(a => a.Id)];
        var outdated = fleet.Select(a => (Agent: a, Release: served[(a.Os!, a.Arch!)])).Where(x => x.Agent.AgentVersion != x.Release.Version)
            .OrderBy(x => canaries.Contains(x.Agent.Id) ? 0 : 1).ThenBy(x => x.Agent.Hostname, StringComparer.OrdinalIgnoreCase).ToList();
        // The rest wait while a canary is still to update or on its way; a canary that is offline does not hold them up.
        var pending = outdated.Any(x => canaries.Contains(x.Agent.Id)
            && (connections.IsOnline(x.Agent.Id) || x.Agent.UpdateState == UpdateStates.Sent)
            && !(x.Agent.UpdateState == UpdateStates.Failed && x.Agent.UpdateVersion == x.Release.Version));
        return new RolloutPlan(outdated, canaries, pending);
    }

    private void PauseIfAutomatic(string reason)
    {
        if (store.Policy() is { Mode: UpdateModes.Automatic, PausedReason: null })
        {
            store.Pause(reason);
            LogPaused(logger, reason);
        }
    }

    private static DateTimeOffset? SentAt(AgentRecord agent) =>
        DateTimeOffset.TryParse(agent.UpdateAt, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    [LoggerMessage(1, LogLevel.Information, "Offered agent {Version} to {Hostname}")]
    private static partial void LogOffered(ILogger logger, string hostname, string version);

    [LoggerMessage(2, LogLevel.Information, "{Hostname} is back on agent {Version}")]
    private static partial void LogDone(ILogger logger, string hostname, string version);

    [LoggerMessage(3, LogLevel.Warning, "The update of {Hostname} to agent {Version} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string hostname, string version, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Agent rollout paused: {Reason}")]
    private static partial void LogPaused(ILogger logger, string reason);
}

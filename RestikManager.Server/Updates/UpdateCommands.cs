using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Audit;
using RestikManager.Server.Distribution;

namespace RestikManager.Server.Updates;

/// <summary>A release as the API shows it.</summary>
internal sealed record AgentReleaseView(string Os, string Arch, string? Version, string Sha256, long Size);

/// <summary>How many live hosts are current, outdated, updating (offered, not yet back) and failed.</summary>
internal sealed record UpdateCounts(int Current, int Outdated, int Updating, int Failed);

/// <summary><c>GET /api/v1/agent-updates</c>: the policy, the rollout's phase, what is served, and the fleet's counts.</summary>
internal sealed record UpdateStatusView(
    string Mode, int CanaryPercent, string? CanaryLabel, bool Paused, string? PausedReason, string Phase,
    IReadOnlyList<AgentReleaseView> Releases, UpdateCounts Hosts);

/// <summary>Answer to <c>POST /api/v1/hosts/{id}/update</c>.</summary>
internal sealed record UpdateOffered(string HostId, string Version);


/// <summary>The update policy and the "update this host now" action, for the API and the pages alike (audited).</summary>
internal sealed class UpdateCommands(UpdateStore store, Rollout rollout, AgentStore agents, AgentConnections connections, AgentReleases releases, AuditLog audit)
{
    public async Task<UpdateStatusView> StatusAsync(CancellationToken cancellationToken)
    {
        var policy = store.Policy();
        var served = await releases.AllAsync(cancellationToken);
        var (phase, _) = await rollout.PhaseAsync(cancellationToken);
        var live = agents.List().Where(a => a.RevokedAt is null).ToList();
        var outdated = live.Where(a => releases.IsOutdated(a.Os, a.Arch, a.AgentVersion)).ToList();
        return new UpdateStatusView(policy.Mode, policy.CanaryPercent, policy.CanaryLabel, policy.PausedReason is not null, policy.PausedReason, phase,
            [.. served.Select(r => new AgentReleaseView(r.Os, r.Arch, r.Version, r.Sha256, r.Size))],
            new UpdateCounts(live.Count - outdated.Count, outdated.Count,
                live.Count(a => a.UpdateState == UpdateStates.Sent), outdated.Count(a => a.UpdateState == UpdateStates.Failed && a.UpdateVersion == releases.Version(a.Os, a.Arch))));
    }

    public Refusal? ChangePolicy(UpdatePolicyRequest request, string actor)
    {
        var policy = store.Policy();
        if (request.Mode is { } mode && !UpdateModes.All.Contains(mode))
        {
            return Invalid("mode", $"mode: one of {string.Join(", ", UpdateModes.All)}, not '{mode}'.");
        }

        if (request.CanaryPercent is < 0 or > 100)
        {
            return Invalid("canaryPercent", "canaryPercent: a share of the fleet from 0 to 100.");
        }

        var label = request.CanaryLabel is null ? policy.CanaryLabel : string.IsNullOrWhiteSpace(request.CanaryLabel) ? null : request.CanaryLabel.Trim();
        if (label is not null && !WireValues.IsPlainText(label, 100))
        {
            return Invalid("canaryLabel", "canaryLabel: 1 to 100 characters without control characters (empty: canaries by share).");
        }

        var changed = store.Save(policy with
        {
            Mode = request.Mode ?? policy.Mode,
            CanaryPercent = request.CanaryPercent ?? policy.CanaryPercent,
            CanaryLabel = label,
            PausedReason = request.Resume == true ? null : policy.PausedReason,
        });
        audit.Append(actor, "agent_updates.policy", "agent-updates",
            detail: $"mode={changed.Mode} canaryPercent={changed.CanaryPercent} canaryLabel={changed.CanaryLabel ?? "-"}{(request.Resume == true ? " resumed" : "")}");
        rollout.Nudge();
        return null;
    }

    /// <summary>Offers the host the agent served for its platform now, whatever the rollout's phase (not when updates are off).</summary>
    public async Task<(UpdateOffered? Offered, Refusal? Refusal)> UpdateNowAsync(string idOrHostname, string actor, CancellationToken cancellationToken)
    {
        if (agents.Resolve(idOrHostname) is not { } agent)
        {
            return (null, new Refusal(StatusCodes.Status404NotFound, "not_found", $"No enrolled host with id or hostname '{idOrHostname}'."));
        }

        if (store.Policy().Mode == UpdateModes.Off)
        {
            return (null, new Refusal(StatusCodes.Status409Conflict, "updates_off", "Agent updates are off; set the policy's mode to manual or automatic first."));
        }

        if (agent.Os is null || agent.Arch is null || await releases.FindAsync(agent.Os, agent.Arch, cancellationToken) is not { } release)
        {
            return (null, new Refusal(StatusCodes.Status404NotFound, "binary_not_published",
                $"This server publishes no agent for {agent.Os ?? "?"}/{agent.Arch ?? "?"}."));
        }

        if (release.Version is null)
        {
            return (null, new Refusal(StatusCodes.Status409Conflict, "version_unknown",
                $"The agent served for {agent.Os}/{agent.Arch} states no version (an override without its .version file); hosts are not updated to it."));
        }

        if (agent.AgentVersion == release.Version)
        {
            return (null, new Refusal(StatusCodes.Status409Conflict, "up_to_date", $"{agent.Hostname} runs agent {release.Version} already."));
        }

        if (!connections.IsOnline(agent.Id) || !rollout.Offer(agent, release))
        {
            return (null, new Refusal(StatusCodes.Status409Conflict, "host_offline", $"{agent.Hostname} is not connected; it can be updated when it is."));
        }

        audit.Append(actor, "agent.update", $"host:{agent.Hostname}", detail: $"{agent.AgentVersion} -> {release.Version}");
        return (new UpdateOffered(agent.Id, release.Version), null);
    }

    private static Refusal Invalid(string field, string message) => new(StatusCodes.Status400BadRequest, "invalid_policy", message, field);
}

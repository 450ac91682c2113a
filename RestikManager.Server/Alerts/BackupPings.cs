using System.Text.Json;
using RestikManager.Contracts.Protocol;
using RestikManager.Server.Agents;
using RestikManager.Server.Alerts.Sending;

namespace RestikManager.Server.Alerts;

/// <summary>
/// Healthchecks-style pings: for each backup of a plan that an enabled rule with a healthchecks channel watches, a
/// <c>start</c> ping when it begins and a success or <c>fail</c> ping when it ends (partial counts as fail: files were
/// left out), queued in the outbox like any message. The pinged service then notices a backup that never ran.
/// </summary>
internal sealed class BackupPings(RuleStore rules, ChannelStore channels, AgentStore agents, IncidentStore store, DeliveryWorker worker)
{
    public void Started(string agentId, JobStarted started)
    {
        if (started.Kind == JobKinds.Backup && started.PlanId is { } planId)
        {
            Queue(agentId, planId, started.JobId, "start", $"backup {started.JobId} started");
        }
    }

    public void Ended(string agentId, JobResult result)
    {
        if (result.Kind == JobKinds.Backup && result.PlanId is { } planId)
        {
            var phase = result.Status == JobStatuses.Succeeded ? "success" : "fail";
            Queue(agentId, planId, result.JobId, phase, $"backup {result.JobId} {result.Status}{(result.Error is { } e ? ": " + e.Split('\n')[0] : "")}");
        }
    }

    private void Queue(string agentId, string planId, string jobId, string phase, string body)
    {
        var pinged = channels.List().Where(c => c.Kind == ChannelKinds.Healthchecks).Select(c => c.Id).ToHashSet();
        if (pinged.Count == 0)
        {
            return;
        }

        var agent = agents.Find(agentId);
        var targets = rules.List().Where(r => r.Enabled && r.CoversPlan(planId) && agent is not null && r.CoversHost(agentId, agent.Label))
            .SelectMany(r => r.Channels).Where(pinged.Contains).Distinct().ToList();
        if (targets.Count == 0)
        {
            return;
        }

        var payload = JsonSerializer.Serialize(new PingMessage(phase, body), AlertJson.Default.PingMessage);
        store.Queue([.. targets.Select(id => new NewDelivery(null, id, AlertStates.Ping, 0, payload))]);
        worker.Nudge();
    }
}

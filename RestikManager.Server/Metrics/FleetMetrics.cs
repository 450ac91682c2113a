using System.Globalization;
using System.Text;
using RestikManager.Server.Agents;
using RestikManager.Server.Alerts;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;
using RestikManager.Server.Snapshots;
using RestikManager.Server.Telemetry;

namespace RestikManager.Server.Metrics;

/// <summary>
/// The fleet's state in Prometheus text, read at scrape time (not instruments: one series per host and plan would pass
/// the SDK's cardinality limit at a few thousand hosts): per host and plan the last success time, the newest backup's
/// duration, bytes added and files, the snapshot count; hosts by status; firing incidents by event; deliveries by
/// status. These names are what <c>deploy/prometheus</c> and <c>deploy/grafana</c> use (a test keeps them in step).
/// </summary>
internal sealed class FleetMetrics(
    AgentStore agents, AgentConnections connections, PlanStore plans, JobStore jobs, SnapshotCache snapshots, IncidentStore incidents,
    ServerTelemetry telemetry, Repositories.RepositoryStore repositories, Stats.StatsStore stats, CopyHistory copyHistory)
{
    /// <summary>The counter of background faults (<see cref="ServerTelemetry.BackgroundFaults"/>).</summary>
    public const string BackgroundFaults = "restic_manager_background_faults_total";

    public static readonly IReadOnlyList<(string Name, string Help)> Names =
    [
        ("restic_manager_backup_last_success_timestamp_seconds", "When the newest successful backup of the plan on the host finished (Unix time)."),
        ("restic_manager_backup_last_duration_seconds", "How long the newest finished backup of the plan on the host ran."),
        ("restic_manager_backup_last_added_bytes", "Bytes the newest finished backup of the plan on the host added to the repository."),
        ("restic_manager_backup_last_files", "Files the newest finished backup of the plan on the host processed."),
        ("restic_manager_backup_last_failed", "1 when the newest finished backup of the plan on the host failed, was interrupted or cancelled, else 0."),
        ("restic_manager_snapshots", "Snapshots of the plan from the host in the repository (as last listed)."),
        ("restic_manager_drill_last_pass_timestamp_seconds", "When a restore drill last proved the host's data under the plan restorable (Unix time)."),
        ("restic_manager_drill_last_failed", "1 when the newest restore drill of the host's data under the plan failed, else 0 (an interrupted drill is not counted)."),
        ("restic_manager_drill_last_bytes", "Bytes the newest restore drill of the host's data under the plan restored and verified."),
        ("restic_manager_copy_last_failed", "1 when the plan's newest copy to the target repository failed or was interrupted, else 0."),
        ("restic_manager_copy_last_success_timestamp_seconds", "When the plan's newest successful copy to the target repository started (Unix time)."),
        ("restic_manager_repository_size_bytes", "The repository's size at its newest reading: kind=\"total\" (what its snapshots restore to) or \"raw\" (what it stores)."),
        ("restic_manager_repository_snapshots", "Snapshots in the repository at its newest reading."),
        ("restic_manager_hosts", "Enrolled hosts by status (online, offline, revoked)."),
        ("restic_manager_alerts_firing", "Firing alert incidents by event."),
        ("restic_manager_alert_deliveries", "Alert deliveries by status (pending, delivered, failed)."),
    ];

    public string Render()
    {
        var text = new StringBuilder();
        var samples = Names.ToDictionary(n => n.Name, _ => new List<string>());
        var agentList = agents.List();
        var live = agentList.Where(a => a.RevokedAt is null).ToList();
        var enabled = plans.List().Where(p => p.Enabled).ToList();
        var pairs = live.SelectMany(a => enabled.Where(p => PlanDistributor.Targets(p, a)).Select(p => (Agent: a, Plan: p))).ToList();
        var last = jobs.LastBackups(pairs.Select(x => (x.Agent.Id, x.Plan.Id)));
        var counts = snapshots.CountsByPlanAndHost();
        foreach (var (agent, plan) in pairs)
        {
            var labels = $"host=\"{Escape(agent.Hostname)}\",host_id=\"{agent.Id}\",plan=\"{Escape(plan.Name)}\",plan_id=\"{plan.Id}\"";
            samples["restic_manager_snapshots"].Add(Sample(labels, counts.GetValueOrDefault((plan.Id, agent.Hostname))));
            if (last.GetValueOrDefault((agent.Id, plan.Id)) is not { } backup)
            {
                continue;
            }

            if (backup.LastSucceededAt is { } succeeded)
            {
                samples["restic_manager_backup_last_success_timestamp_seconds"].Add(Sample(labels, Time(succeeded).ToUnixTimeMilliseconds() / 1000.0));
            }

            var latest = backup.Latest;
            samples["restic_manager_backup_last_failed"].Add(Sample(labels,
                latest.Status is Contracts.Protocol.JobStatuses.Failed or Contracts.Protocol.JobStatuses.Interrupted or Contracts.Protocol.JobStatuses.Cancelled ? 1 : 0));
            if (latest.StartedAt is { } started && latest.FinishedAt is { } finished)
            {
                samples["restic_manager_backup_last_duration_seconds"].Add(Sample(labels, (Time(finished) - Time(started)).TotalSeconds));
            }

            if (backup.LastPassedDrill?.FinishedAt is { } passed)
            {
                samples["restic_manager_drill_last_pass_timestamp_seconds"].Add(Sample(labels, Time(passed).ToUnixTimeMilliseconds() / 1000.0));
            }

            if (backup.LatestDrill is { } drill)
            {
                samples["restic_manager_drill_last_failed"].Add(Sample(labels, drill.Status == Contracts.Protocol.JobStatuses.Failed ? 1 : 0));
                if (JobStore.DrillOf(drill) is { } checkedSample)
                {
                    samples["restic_manager_drill_last_bytes"].Add(Sample(labels, checkedSample.Bytes));
                }
            }

            if (JobStore.Summary(latest).Backup is { } summary)
            {
                samples["restic_manager_backup_last_added_bytes"].Add(Sample(labels, summary.DataAdded));
                samples["restic_manager_backup_last_files"].Add(Sample(labels, summary.TotalFilesProcessed));
            }
        }

        var copies = copyHistory.LastCopies(enabled.SelectMany(p => p.CopyTo.Select(t => (p.Id, t))));
        var names = repositories.List().ToDictionary(r => r.Id, r => r.Name);
        foreach (var ((planId, target), copy) in copies)
        {
            var labels = $"plan=\"{Escape(enabled.First(p => p.Id == planId).Name)}\",plan_id=\"{planId}\",target=\"{Escape(names.GetValueOrDefault(target, target))}\",target_id=\"{target}\"";
            samples["restic_manager_copy_last_failed"].Add(Sample(labels,
                copy.Latest.Status is Contracts.Protocol.JobStatuses.Failed or Contracts.Protocol.JobStatuses.Interrupted ? 1 : 0));
            if (copy.LastSucceededStartedAt is { } copied)
            {
                samples["restic_manager_copy_last_success_timestamp_seconds"].Add(Sample(labels, Time(copied).ToUnixTimeMilliseconds() / 1000.0));
            }
        }

        foreach (var (repositoryId, reading) in stats.Newest())
        {
            var labels = $"repository=\"{Escape(names.GetValueOrDefault(repositoryId, repositoryId))}\",repository_id=\"{repositoryId}\"";
            samples["restic_manager_repository_size_bytes"].AddRange([Sample(labels + ",kind=\"total\"", reading.TotalSize), Sample(labels + ",kind=\"raw\"", reading.RawSize)]);
            samples["restic_manager_repository_snapshots"].Add(Sample(labels, reading.SnapshotCount));
        }

        var online = live.Count(a => connections.IsOnline(a.Id));
        samples["restic_manager_hosts"].AddRange([Sample("status=\"online\"", online), Sample("status=\"offline\"", live.Count - online),
            Sample("status=\"revoked\"", agentList.Count - live.Count)]);
        var (firing, deliveries) = incidents.Counts();
        samples["restic_manager_alerts_firing"].AddRange(AlertEvents.Reported.Select(e => Sample($"event=\"{e}\"", firing.GetValueOrDefault(e))));
        samples["restic_manager_alert_deliveries"].AddRange(new[] { AlertStates.Pending, AlertStates.Delivered, AlertStates.Failed }
            .Select(s => Sample($"status=\"{s}\"", deliveries.GetValueOrDefault(s))));

        foreach (var (name, help) in Names)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(" gauge\n");
            foreach (var sample in samples[name])
            {
                text.Append(name).Append(sample).Append('\n');
            }
        }

        text.Append("# HELP ").Append(BackgroundFaults).Append(" Iterations of a background loop that failed and were retried after a pause, by worker.\n");
        text.Append("# TYPE ").Append(BackgroundFaults).Append(" counter\n");
        foreach (var (worker, faults) in telemetry.BackgroundFaults.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            text.Append(BackgroundFaults).Append(Sample($"worker=\"{Escape(worker)}\"", faults)).Append('\n');
        }

        return text.ToString();
    }

    private static string Sample(string labels, double value) => $"{{{labels}}} {value.ToString("R", CultureInfo.InvariantCulture)}";

    private static DateTimeOffset Time(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using RestikManager.Contracts;
using RestikManager.Contracts.Protocol;
using RestikManager.ServiceDefaults.Telemetry;

namespace RestikManager.Server.Telemetry;

/// <summary>
/// The server's own spans and metrics: one span per job (from its start on the host to its end, with status and
/// bytes added), one per agent connection, and the time from a job's creation to its dispatch. Exported only when
/// OTLP is configured (see <see cref="ServiceTelemetry"/>); otherwise nothing listens and this costs nothing.
/// </summary>
internal sealed class ServerTelemetry
{
    public static readonly ActivitySource Source = new(TelemetryNames.Server, BuildInfo.Current.Version);

    private readonly Histogram<double> _jobDuration;
    private readonly Counter<long> _jobsEnded;
    private readonly Counter<long> _bytesAdded;
    private readonly Histogram<double> _dispatchLatency;
    private readonly UpDownCounter<long> _connected;
    private readonly Counter<long> _connections;
    private readonly Histogram<double> _alertEvaluation;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _backgroundFaults = new(StringComparer.Ordinal);

    public ServerTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(TelemetryNames.Server, BuildInfo.Current.Version);
        _jobDuration = meter.CreateHistogram<double>("restic_manager.job.duration", "s", "How long jobs ran on their hosts.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400] });
        _jobsEnded = meter.CreateCounter<long>("restic_manager.job.ended", "{job}", "Jobs that ended, by kind and status.");
        _bytesAdded = meter.CreateCounter<long>("restic_manager.backup.bytes_added", "By", "Bytes backups added to repositories.");
        _dispatchLatency = meter.CreateHistogram<double>("restic_manager.job.dispatch_latency", "s", "From a job's creation to its dispatch to the host.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600] });
        _connected = meter.CreateUpDownCounter<long>("restic_manager.agent.connected", "{agent}", "Agents connected now.");
        _connections = meter.CreateCounter<long>("restic_manager.agent.connections", "{connection}", "Agent connections accepted.");
        _alertEvaluation = meter.CreateHistogram<double>("restic_manager.alerts.evaluation_duration", "s", "How long one evaluation of every alert rule took.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
    }

    /// <summary><paramref name="count"/> iterations of the background loop <paramref name="worker"/> failed (it goes on).</summary>
    public void BackgroundFault(string worker, int count) => _backgroundFaults.AddOrUpdate(worker, count, (_, n) => n + count);

    /// <summary>
    /// Faults so far by worker, every worker from 0 (a rate sees the first fault). Rendered by <c>Metrics/FleetMetrics</c>
    /// at scrape time as <c>restic_manager_background_faults_total</c>: an instrument is shared by every server in a
    /// process that listens to the meter's name, and this count is this server's own.
    /// </summary>
    public IReadOnlyDictionary<string, long> BackgroundFaults => _backgroundFaults;

    /// <summary>A job was sent to its host <paramref name="latency"/> after it was created.</summary>
    public void Dispatched(string kind, TimeSpan latency) =>
        _dispatchLatency.Record(latency.TotalSeconds, new KeyValuePair<string, object?>("rm.job.kind", kind));

    /// <summary>A job's result was recorded (once: repeats are not counted).</summary>
    public void JobEnded(string agentId, JobResult result)
    {
        var kind = new KeyValuePair<string, object?>("rm.job.kind", result.Kind);
        var status = new KeyValuePair<string, object?>("rm.job.status", result.Status);
        _jobDuration.Record((result.FinishedAt - result.StartedAt).TotalSeconds, kind, status);
        _jobsEnded.Add(1, kind, status);
        if (result.Backup is { } backup)
        {
            _bytesAdded.Add(backup.DataAdded);
        }

        using var span = StartRoot($"job {result.Kind}", ActivityKind.Internal, result.StartedAt);
        if (span is null)
        {
            return;
        }

        span.SetTag("rm.job.id", result.JobId);
        span.SetTag("rm.job.kind", result.Kind);
        span.SetTag("rm.job.status", result.Status);
        span.SetTag("rm.job.trigger", result.Trigger);
        span.SetTag("rm.agent.id", agentId);
        span.SetTag("rm.repository.id", result.RepositoryId);
        span.SetTag("rm.plan.id", result.PlanId);
        span.SetTag("rm.job.exit_code", result.ExitCode);
        span.SetTag("rm.job.error_class", result.ErrorClass);
        span.SetTag("rm.snapshot.id", result.SnapshotId);
        span.SetTag("rm.backup.bytes_added", result.Backup?.DataAdded);
        span.SetTag("rm.backup.files_processed", result.Backup?.TotalFilesProcessed);
        span.SetStatus(result.Status is JobStatuses.Succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error, result.ErrorClass);
        span.SetEndTime(result.FinishedAt.UtcDateTime);
    }

    /// <summary>Every alert rule was evaluated once, in <paramref name="took"/>.</summary>
    public void AlertsEvaluated(TimeSpan took) => _alertEvaluation.Record(took.TotalSeconds);

    /// <summary>An agent said hello on a new connection.</summary>
    public void AgentConnected()
    {
        _connected.Add(1);
        _connections.Add(1);
    }

    /// <summary>An agent's connection that began at <paramref name="connectedAt"/> ended.</summary>
    public void AgentDisconnected(string agentId, string hostname, DateTimeOffset connectedAt, string reason)
    {
        _connected.Add(-1);
        using var span = Source.StartActivity("agent connection", ActivityKind.Server, parentContext: default, startTime: connectedAt);
        span?.SetTag("rm.agent.id", agentId);
        span?.SetTag("rm.agent.hostname", hostname);
        span?.SetTag("rm.agent.close_reason", reason);
    }

    // A job's span stands on its own, not under the long-lived WebSocket request its result arrived on.
    private static Activity? StartRoot(string name, ActivityKind kind, DateTimeOffset start)
    {
        var current = Activity.Current;
        Activity.Current = null;
        try
        {
            return Source.StartActivity(name, kind, parentContext: default, startTime: start);
        }
        finally
        {
            Activity.Current = current;
        }
    }
}

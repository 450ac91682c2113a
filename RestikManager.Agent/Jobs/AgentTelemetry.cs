using System.Diagnostics;
using System.Diagnostics.Metrics;
using RestikManager.Contracts;
using RestikManager.Contracts.Protocol;
using RestikManager.ServiceDefaults.Telemetry;

namespace RestikManager.Agent.Jobs;

/// <summary>The agent's own span per job run and its duration metric (exported only when OTLP is configured).</summary>
internal static class AgentTelemetry
{
    public static readonly ActivitySource Source = new(TelemetryNames.Agent, BuildInfo.Current.Version);

    private static readonly Meter Meter = new(TelemetryNames.Agent, BuildInfo.Current.Version);

    private static readonly Histogram<double> JobDuration =
        Meter.CreateHistogram<double>("restic_manager.agent.job.duration", "s", "How long restic ran for each job on this host.");

    /// <summary>Starts the span of <paramref name="job"/>'s run (null when nothing listens).</summary>
    public static Activity? JobStarted(JobSpec job)
    {
        var span = Source.StartActivity($"restic {job.Kind}");
        span?.SetTag("rm.job.id", job.JobId);
        span?.SetTag("rm.job.kind", job.Kind);
        span?.SetTag("rm.repository.id", job.RepositoryId);
        return span;
    }

    /// <summary>Ends <paramref name="span"/> with <paramref name="result"/> and records its duration.</summary>
    public static void JobEnded(Activity? span, JobResult result)
    {
        JobDuration.Record((result.FinishedAt - result.StartedAt).TotalSeconds,
            new KeyValuePair<string, object?>("rm.job.kind", result.Kind), new KeyValuePair<string, object?>("rm.job.status", result.Status));
        span?.SetTag("rm.job.status", result.Status);
        span?.SetTag("rm.job.error_class", result.ErrorClass);
        span?.SetStatus(result.Status is JobStatuses.Succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error, result.ErrorClass);
    }
}

using RestikManager.Agent.Browse;
using System.Collections.Concurrent;
using RestikManager.Agent.Restic;
using RestikManager.Agent.State;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Jobs;

/// <summary>
/// The agent's jobs, whether the server sent them or the agent's own schedule started them. Every result goes to
/// the outbox on disk before it is sent, and leaves it only when the server acknowledges it; results are sent again
/// on every connection and every 30 s until then. A job that was running when the agent died is reported as
/// interrupted when it starts again, after <c>restic unlock</c> has cleared the lock the dead restic left.
/// </summary>
internal sealed partial class JobHost(
    AgentState state, JobRunner runner, ResticRunner restic, SnapshotIndexer indexes, string hostname, TimeProvider time, ILogger logger)
    : Schedule.IScheduledJobs
{
    private static readonly TimeSpan OutboxResendEvery = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, RunningJob> _running = new(StringComparer.Ordinal);
    private Func<AgentMessage, bool>? _send;
    private CancellationTokenSource? _connection;
    private volatile bool _stopping;
    private readonly Lock _holdGate = new();
    private bool _held;

    private sealed class RunningJob(JobSpec job, RepositoryAccess repository)
    {
        public JobSpec Job { get; } = job;

        public RepositoryAccess Repository { get; } = repository;
        public CancellationTokenSource Stop { get; } = new();
        public JobRunner.StopReason Reason { get; set; }
        public Task Done { get; set; } = Task.CompletedTask;
    }

    /// <summary>Turns what a previous run of the agent left running into interrupted results, and unlocks.</summary>
    public async Task RecoverAsync()
    {
        // A drill killed mid-restore left its scratch directory: nothing there is kept across runs.
        if (Drills.DrillScratch.RemoveLeftovers(state.DrillsDir) is > 0 and var removed)
        {
            LogScratchRemoved(logger, removed);
        }

        var waiting = state.Outbox().Select(r => r.JobId).ToHashSet(StringComparer.Ordinal);
        foreach (var marker in state.LeftRunning())
        {
            if (!waiting.Contains(marker.Job.JobId))
            {
                await restic.UnlockAsync(marker.Repository);
                var job = marker.Job;
                state.AddToOutbox(new JobResult(job.JobId, job.Kind, job.RepositoryId, job.Trigger, job.PlanId, JobStatuses.Interrupted,
                    marker.StartedAt, time.GetUtcNow(), ErrorClass: JobErrors.Interrupted,
                    Error: "interrupted: the agent stopped while restic ran; stale locks were removed"));
                LogRecovered(logger, job.Kind, job.JobId);
            }

            state.ClearRunning(marker.Job.JobId);
        }

        StartDeferred();
    }

    /// <summary>
    /// For a self-update: when no job runs, holds the agent (jobs that arrive now are kept in the state directory and
    /// start when the agent is back, see <see cref="Release"/> and <see cref="RecoverAsync"/>) and returns true.
    /// </summary>
    public bool TryHold()
    {
        lock (_holdGate)
        {
            _held = _running.IsEmpty;
            return _held;
        }
    }

    /// <summary>The update did not happen: jobs run again, those that waited first.</summary>
    public void Release()
    {
        lock (_holdGate)
        {
            _held = false;
        }

        StartDeferred();
    }

    private void StartDeferred()
    {
        foreach (var deferred in state.TakeDeferred())
        {
            LogDeferredStarts(logger, deferred.Job.Kind, deferred.Job.JobId);
            Start(deferred.Job, deferred.Repository);
        }
    }

    /// <summary>
    /// A connection was welcomed: send what the outbox holds, then which jobs run now; while it lasts, what is still
    /// unacknowledged is sent again every 30 s.
    /// </summary>
    public void Connected(Func<AgentMessage, bool> send)
    {
        _send = send;
        ResendOutbox();
        send(new ActiveJobs([.. _running.Keys]));
        var connection = new CancellationTokenSource();
        Interlocked.Exchange(ref _connection, connection)?.Cancel();
        _ = ResendLoopAsync(connection.Token);
    }

    public void Disconnected()
    {
        _send = null;
        Interlocked.Exchange(ref _connection, null)?.Cancel();
    }

    public bool IsRunning(string jobId) => _running.ContainsKey(jobId);

    /// <summary>Whether a job of <paramref name="planId"/> of <paramref name="kind"/> is running (the schedule skips a busy plan).</summary>
    public bool IsPlanBusy(string planId, string kind) => _running.Values.Any(r => r.Job.PlanId == planId && r.Job.Kind == kind);

    private async Task ResendLoopAsync(CancellationToken disconnected)
    {
        try
        {
            while (true)
            {
                await Task.Delay(OutboxResendEvery, time, disconnected);
                ResendOutbox();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void ResendOutbox()
    {
        foreach (var result in state.Outbox())
        {
            if (_send?.Invoke(result) != true)
            {
                return;
            }
        }
    }

    /// <summary>The server is done with a result: recorded, or refused for good (<paramref name="refused"/> says why).</summary>
    public void Acknowledged(string jobId, string? refused)
    {
        if (refused is not null)
        {
            LogResultRefused(logger, jobId, refused);
        }

        state.RemoveFromOutbox(jobId);
    }

    public void Start(JobSpec job, RepositoryAccess repository)
    {
        if (_stopping)
        {
            // Not run and not reported: the server's job stays queued/running and is settled when the agent is back.
            return;
        }

        if (!WireValues.IsId(job.JobId) || !JobKinds.All.Contains(job.Kind))
        {
            LogRefused(logger, job.Kind, job.JobId);
            return;
        }

        if (state.Outbox().FirstOrDefault(r => r.JobId == job.JobId) is { } done)
        {
            // Sent again after we finished it (the server missed the result): report, do not run twice.
            _send?.Invoke(done);
            return;
        }

        var running = new RunningJob(job with { Hostname = hostname }, repository);
        lock (_holdGate)
        {
            if (_held)
            {
                // A scheduled backup waits for the update, not the other way round: it starts when the agent is back.
                state.Defer(new RunningMarker(job, repository, time.GetUtcNow()));
                LogDeferred(logger, job.Kind, job.JobId);
                return;
            }

            if (!_running.TryAdd(job.JobId, running))
            {
                return;
            }
        }

        var startedAt = time.GetUtcNow();
        state.MarkRunning(new RunningMarker(running.Job, repository, startedAt));
        _send?.Invoke(new JobStarted(job.JobId, job.Kind, job.RepositoryId, job.Trigger, job.PlanId, startedAt));
        running.Done = Task.Run(async () =>
        {
            JobResult result;
            using var span = AgentTelemetry.JobStarted(running.Job);
            try
            {
                result = await runner.RunAsync(running.Job, repository, startedAt, p => _send?.Invoke(p), () => running.Reason, running.Stop.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                result = new JobResult(job.JobId, job.Kind, job.RepositoryId, job.Trigger, job.PlanId, JobStatuses.Failed,
                    startedAt, time.GetUtcNow(), ErrorClass: JobErrors.Failed, Error: $"the agent failed to run restic: {e.Message}");
            }

            AgentTelemetry.JobEnded(span, result);
            state.AddToOutbox(result);
            state.ClearRunning(job.JobId);
            _running.TryRemove(job.JobId, out _);
            LogFinished(logger, job.Kind, job.JobId, result.Status, result.ErrorClass ?? "-");
            _send?.Invoke(result);
            if (result is { Backup.TotalFilesProcessed: >= SnapshotIndexer.LargeSnapshotFiles, SnapshotId: { } snapshot })
            {
                _ = indexes.IndexLater(repository, snapshot);
            }
        });
    }

    public void Cancel(string jobId)
    {
        if (_running.TryGetValue(jobId, out var running))
        {
            running.Reason = JobRunner.StopReason.Cancelled;
            running.Stop.Cancel();
        }
    }

    /// <summary>The agent is stopping: interrupt every job (SIGINT to restic) and wait until their results are in the outbox.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        foreach (var running in _running.Values)
        {
            running.Reason = JobRunner.StopReason.AgentStopping;
            await running.Stop.CancelAsync();
        }

        await Task.WhenAll(_running.Values.Select(r => r.Done));
    }

    /// <summary>While connected, waits (at most <paramref name="limit"/>) until the server has acknowledged every result.</summary>
    public async Task WaitForAcknowledgementsAsync(TimeSpan limit)
    {
        var deadline = time.GetUtcNow() + limit;
        while (_send is not null && state.Outbox().Any() && time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), time);
        }
    }

    [LoggerMessage(142, LogLevel.Information, "Removed {Count} drill scratch directories left by an earlier run")]
    private static partial void LogScratchRemoved(ILogger logger, int count);

    [LoggerMessage(40, LogLevel.Warning, "Job {JobId} ({Kind}) was running when the agent stopped: reported as interrupted")]
    private static partial void LogRecovered(ILogger logger, string kind, string jobId);

    [LoggerMessage(41, LogLevel.Warning, "Refused a job with a bad id or kind: {Kind} {JobId}")]
    private static partial void LogRefused(ILogger logger, string kind, string jobId);

    [LoggerMessage(43, LogLevel.Warning, "The server refused the result of job {JobId}: {Reason}; dropped from the outbox")]
    private static partial void LogResultRefused(ILogger logger, string jobId, string reason);

    [LoggerMessage(42, LogLevel.Information, "Job {JobId} ({Kind}) ended: {Status} ({ErrorClass})")]
    private static partial void LogFinished(ILogger logger, string kind, string jobId, string status, string errorClass);

    [LoggerMessage(44, LogLevel.Information, "The {Kind} job {JobId} waits until the agent has updated itself")]
    private static partial void LogDeferred(ILogger logger, string kind, string jobId);

    [LoggerMessage(45, LogLevel.Information, "Starting the {Kind} job {JobId}, which waited for an update")]
    private static partial void LogDeferredStarts(ILogger logger, string kind, string jobId);
}

using RestikManager.Agent.Jobs;
using RestikManager.Agent.State;
using RestikManager.Contracts.Protocol;
using RestikManager.Contracts.Schedules;

namespace RestikManager.Agent.Schedule;

/// <summary>
/// Runs the plans' backup schedules on the agent itself, so backups happen on time whether or not the server is
/// reachable. The plan set comes from the server (and is kept in the state directory across restarts); a run that
/// is due while the previous one of the same plan still runs is skipped. Runs missed while the agent was down are
/// not made up.
/// </summary>
/// <remarks><see cref="Replace"/> (the connection's thread) and <see cref="FireDue"/> (the schedule loop) meet under one lock.</remarks>
internal sealed partial class PlanScheduler(AgentState state, IScheduledJobs jobs, TimeProvider time, ILogger logger)
{
    private readonly object _gate = new();
    private Dictionary<string, (AgentPlan Plan, CronSchedule Schedule, DateTimeOffset? Next)> _plans = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _plans.Count;
            }
        }
    }

    /// <summary>Replaces the plan set (from the server, or from disk at start).</summary>
    public void Replace(IReadOnlyList<AgentPlan> plans, bool save)
    {
        if (save)
        {
            state.SavePlans(plans);
        }

        List<(AgentPlan Plan, CronSchedule Schedule)> usable = [];
        foreach (var plan in plans)
        {
            if (!CronSchedule.TryParse(plan.Schedule, plan.TimeZone, out var schedule, out var error, out _))
            {
                LogBadSchedule(logger, plan.Name, error ?? "");
                continue;
            }

            usable.Add((plan, schedule!));
        }

        // Read the old set and swap in the new one under the same lock FireDue takes: a run fired in between would
        // otherwise be carried over with its old, already-fired time, and fire again.
        var now = time.GetUtcNow();
        var next = new Dictionary<string, (AgentPlan, CronSchedule, DateTimeOffset?)>(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var (plan, schedule) in usable)
            {
                // An unchanged schedule keeps its next time; a new or changed one starts from now.
                var kept = _plans.TryGetValue(plan.Id, out var old) && old.Plan.Schedule == plan.Schedule && old.Plan.TimeZone == plan.TimeZone
                    ? old.Next : schedule.NextAfter(now);
                next[plan.Id] = (plan, schedule, kept);
            }

            _plans = next;
            _changed.TrySetResult();
        }

        LogPlans(logger, next.Count);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Replace(state.LoadPlans(), save: false);
        while (!cancellationToken.IsCancellationRequested)
        {
            Task changed;
            DateTimeOffset? wake;
            lock (_gate)
            {
                changed = _changed.Task;
                wake = _plans.Values.Min(p => p.Next);
            }

            var delay = wake is { } at ? at - time.GetUtcNow() : TimeSpan.FromHours(1);
            if (delay > TimeSpan.Zero)
            {
                var sleep = Task.Delay(delay < TimeSpan.FromHours(1) ? delay : TimeSpan.FromHours(1), time, cancellationToken);
                await Task.WhenAny(sleep, changed);
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                if (changed.IsCompleted)
                {
                    lock (_gate)
                    {
                        if (_changed.Task.IsCompleted)
                        {
                            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
                        }
                    }
                }

                continue;
            }

            FireDue(time.GetUtcNow());
        }
    }

    /// <summary>Starts every plan whose time has come at <paramref name="now"/> and moves it to its next time.</summary>
    internal void FireDue(DateTimeOffset now)
    {
        List<AgentPlan> due = [];
        lock (_gate)
        {
            foreach (var (id, entry) in _plans.ToList())
            {
                if (entry.Next is { } at && at <= now)
                {
                    due.Add(entry.Plan);
                    _plans[id] = entry with { Next = entry.Schedule.NextAfter(now) };
                }
            }
        }

        foreach (var plan in due)
        {
            if (jobs.IsPlanBusy(plan.Id, JobKinds.Backup))
            {
                LogSkipped(logger, plan.Name);
                continue;
            }

            jobs.Start(JobSpec.BackupOf(plan, JobTriggers.Schedule), plan.Repository);
        }
    }

    [LoggerMessage(50, LogLevel.Information, "Schedule: {Count} plan(s)")]
    private static partial void LogPlans(ILogger logger, int count);

    [LoggerMessage(51, LogLevel.Warning, "Plan {Plan}: schedule not usable: {Error}")]
    private static partial void LogBadSchedule(ILogger logger, string plan, string error);

    [LoggerMessage(52, LogLevel.Warning, "Plan {Plan}: the previous backup still runs; this run is skipped")]
    private static partial void LogSkipped(ILogger logger, string plan);
}

using Microsoft.Extensions.Options;
using RestikManager.Contracts.Protocol;
using RestikManager.Contracts.Schedules;
using RestikManager.Server.Agents;
using RestikManager.Server.Plans;
using RestikManager.Server.Workers;

namespace RestikManager.Server.Jobs;

/// <summary>
/// The server's own clock work: forget+prune and check schedules of the plans (run on one online host of the plan,
/// through the dispatcher so they never overlap a backup), and every few seconds a pass over queued jobs and over
/// running jobs of hosts that stayed away (<see cref="AwayHostJobs"/>).
/// Maintenance that falls due while no host of the plan is online is skipped until its next time.
/// </summary>
internal sealed partial class MaintenanceScheduler(
    PlanStore plans, PlanDistributor distributor, JobDispatcher dispatcher, PlanDrills drills, AwayHostJobs away, WorkerIterations iterations,
    AgentConnections connections, Replicas.Leadership leadership, IOptions<WorkerOptions> options, TimeProvider time,
    ILogger<MaintenanceScheduler> logger) : BackgroundService
{
    private readonly Dictionary<(string PlanId, string Kind, string Schedule), DateTimeOffset?> _next = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.MaintenanceEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // Three pieces of work, each on its own: a fault of one does not hold back the others. Schedules and the sweep
                // of away hosts happen once, on the leading replica; each replica sends the queued jobs of its own agents.
                if (leadership.IsLeader)
                {
                    await iterations.RunAsync(WorkerNames.Maintenance, () => RunDue(time.GetUtcNow()), stoppingToken);
                    await iterations.RunAsync(WorkerNames.AwayHosts, away.Sweep, stoppingToken);
                }

                await iterations.RunAsync(WorkerNames.Dispatch, () =>
                {
                    connections.Refresh();
                    dispatcher.TryDispatchAll();
                }, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void RunDue(DateTimeOffset now)
    {
        foreach (var plan in plans.List().Where(p => p.Enabled))
        {
            foreach (var (kind, schedule) in new[] { (JobKinds.Forget, plan.ForgetSchedule), (JobKinds.Check, plan.CheckSchedule), (JobKinds.Drill, plan.DrillSchedule) })
            {
                if (schedule is null)
                {
                    continue;
                }

                var key = (plan.Id, kind, schedule.Expression + "@" + schedule.TimeZone);
                if (!_next.TryGetValue(key, out var next))
                {
                    _next[key] = schedule.NextAfter(now);
                    continue;
                }

                if (next is not { } due || due > now)
                {
                    continue;
                }

                _next[key] = schedule.NextAfter(now);
                if (kind == JobKinds.Drill)
                {
                    if (drills.Start(plan, JobTriggers.Schedule).Refusal is { } refusal)
                    {
                        LogDrillSkipped(logger, plan.Name, refusal.Message);
                    }
                }
                else if (distributor.FirstOnlineHost([plan]) is { } host)
                {
                    dispatcher.Enqueue(JobSpecs.ForPlan(kind, plan, JobTriggers.Schedule), host.Id);
                }
                else
                {
                    LogSkipped(logger, kind, plan.Name);
                }
            }
        }
    }

    [LoggerMessage(68, LogLevel.Warning, "Scheduled drill of plan {Plan} skipped: {Reason}")]
    private static partial void LogDrillSkipped(ILogger logger, string plan, string reason);

    [LoggerMessage(64, LogLevel.Warning, "Scheduled {Kind} of plan {Plan} skipped: no host of the plan is online")]
    private static partial void LogSkipped(ILogger logger, string kind, string plan);
}

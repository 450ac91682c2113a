using RestikManager.Server.Agents;
using RestikManager.Server.Plans;
using RestikManager.Server.Workers;

namespace RestikManager.Server.Protection;

/// <summary>
/// Reads every host's verdict once after start, in the background, so that the first hosts page after a restart is
/// served from memory like the next ones (at 10,000 hosts the first read of the newest backups takes most of a second).
/// </summary>
internal sealed class ProtectionWarmup(ProtectionReport report, AgentStore agents, PlanStore plans, WorkerIterations iterations)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        // Only a head start, tried once: the page reads what it needs anyway.
        await iterations.RunAsync(WorkerNames.ProtectionWarmup, () => report.Hosts(agents.List(), plans.List()), stoppingToken);
    }
}

using RestikManager.Server.Agents;
using RestikManager.Server.Plans;

namespace RestikManager.Server.Web.Protection;

/// <summary>
/// Reads every host's verdict once after start, in the background, so that the first hosts page after a restart is
/// served from memory like the next ones (at 10,000 hosts the first read of the newest backups takes most of a second).
/// </summary>
internal sealed partial class ProtectionWarmup(ProtectionReport report, AgentStore agents, PlanStore plans, ILogger<ProtectionWarmup> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            report.Hosts(agents.List(), plans.List());
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            // Only a head start: the page reads what it needs anyway.
            LogFailed(logger, e.Message);
        }
    }

    [LoggerMessage(90, LogLevel.Warning, "Reading the hosts' verdicts ahead of the first page failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}

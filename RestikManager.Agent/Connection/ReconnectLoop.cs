using RestikManager.Agent.Config;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Connection;

/// <summary>
/// Keeps the agent connected for ever: after any end of a connection it waits a backoff delay (reset once
/// a connection was welcomed) and connects again, logging why the last one ended.
/// </summary>
internal sealed partial class ReconnectLoop(AgentConfig config, Func<CancellationToken, Task<Hello>> hello, AgentWork work, Backoff backoff, TimeProvider time, ILogger logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            SessionOutcome outcome;
            try
            {
                var session = new ServerSession(config, await hello(cancellationToken), work, time, logger);
                outcome = await session.RunAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // A stop while connecting (or while the hello is made) is a stop, not a fault.
                return;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            attempt = outcome.Welcomed ? 0 : attempt + 1;
            var delay = backoff.Delay(attempt);
            if (outcome.CredentialRejected)
            {
                LogRejected(logger, outcome.Reason, delay.TotalSeconds);
            }
            else
            {
                LogDisconnected(logger, outcome.Reason, delay.TotalSeconds);
            }

            try
            {
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(4, LogLevel.Warning, "Disconnected: {Reason}; reconnecting in {Seconds:F1} s")]
    private static partial void LogDisconnected(ILogger logger, string reason, double seconds);

    [LoggerMessage(5, LogLevel.Error, "Not admitted: {Reason}; trying again in {Seconds:F1} s")]
    private static partial void LogRejected(ILogger logger, string reason, double seconds);
}

using RestikManager.Agent.Config;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Connection;

/// <summary>
/// Keeps the agent connected for ever: after any end of a connection it waits a backoff delay (reset once
/// a connection was welcomed) and connects again, logging why the last one ended.
/// </summary>
/// <remarks>
/// <paramref name="helloChanged"/>, when given, completes while connected when what the hello said is no longer true (the
/// host's allowlist changed): the connection is then closed and made again at once, with a new hello.
/// </remarks>
internal sealed partial class ReconnectLoop(
    AgentConfig config, Func<CancellationToken, Task<Hello>> hello, AgentWork work, Backoff backoff, TimeProvider time, ILogger logger,
    Func<CancellationToken, Task>? helloChanged = null)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            SessionOutcome outcome;
            var renewed = false;
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                var session = new ServerSession(config, await hello(cancellationToken), work, time, logger);
                _ = helloChanged?.Invoke(connection.Token).ContinueWith(changed =>
                {
                    if (changed.IsCompletedSuccessfully)
                    {
                        renewed = true;
                        try
                        {
                            connection.Cancel();
                        }
                        catch (ObjectDisposedException)
                        {
                            // The connection had ended already.
                        }
                    }
                }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                outcome = await session.RunAsync(connection.Token);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // A stop while connecting (or while the hello is made) is a stop, not a fault.
                return;
            }
            finally
            {
                await connection.CancelAsync();
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (renewed)
            {
                LogRenewed(logger);
                attempt = 0;
                continue;
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

    [LoggerMessage(9, LogLevel.Information, "The host's allowlist changed: connecting again to report it")]
    private static partial void LogRenewed(ILogger logger);

    [LoggerMessage(4, LogLevel.Warning, "Disconnected: {Reason}; reconnecting in {Seconds:F1} s")]
    private static partial void LogDisconnected(ILogger logger, string reason, double seconds);

    [LoggerMessage(5, LogLevel.Error, "Not admitted: {Reason}; trying again in {Seconds:F1} s")]
    private static partial void LogRejected(ILogger logger, string reason, double seconds);
}

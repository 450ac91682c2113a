using Microsoft.Extensions.Options;
using RestikManager.Server.Workers;

namespace RestikManager.Server.Alerts.Sending;

/// <summary>
/// Sends the outbox: each pending delivery whose time has come, a few channels at once and each channel's in the order
/// they were queued (<see cref="IncidentStore.Due"/>). A 2xx marks it delivered (and it is
/// never sent again); a failure schedules the next attempt with a doubling delay, until <see cref="AlertOptions.RetryFor"/>
/// has passed since it was queued, when it is marked failed. Pending deliveries survive a restart (they are rows).
/// Nothing a receiver does stops this loop: any exception of a send is that attempt's failure, and a fault of the
/// outbox itself (the database) is one failed round of <see cref="WorkerIterations"/>.
/// </summary>
internal sealed partial class DeliveryWorker(
    IncidentStore store, ChannelStore channels, ChannelSender sender, AlertSignal evaluate, WorkerIterations iterations, IOptions<AlertOptions> options, TimeProvider time,
    Replicas.Leadership leadership, ILogger<DeliveryWorker> logger) : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);
    private readonly AlertSignal _queued = new();

    /// <summary>Something was queued: look now rather than at the next due time.</summary>
    public void Nudge() => _queued.Nudge();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A replica that takes over sends what the last leader left pending at once.
        leadership.Elected += Nudge;
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = Idle;
            var sent = false;
            await iterations.RunAsync(WorkerNames.AlertOutbox, async token =>
            {
                // The outbox is sent from one replica, the leader: a delivery is sent once.
                if (!leadership.IsLeader)
                {
                    return;
                }

                var due = store.Due(time.GetUtcNow(), 32);
                await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = token },
                    async (delivery, t) => await SendAsync(delivery, t));
                if (sent = due.Count > 0)
                {
                    return;
                }

                var next = store.NextDue() - time.GetUtcNow();
                wait = next is null || next > Idle ? Idle : next < TimeSpan.Zero ? TimeSpan.Zero : next.Value;
            }, stoppingToken);
            if (sent)
            {
                continue;
            }

            try
            {
                await _queued.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SendAsync(Delivery delivery, CancellationToken stoppingToken)
    {
        if (channels.Find(delivery.ChannelId) is not { } channel)
        {
            store.AttemptFailed(delivery.Id, "the channel was deleted", retryAt: null);
            return;
        }

        try
        {
            await sender.SendAsync(channel, delivery.State, delivery.Payload, ChannelSender.DeliveryClient, stoppingToken);
            store.Delivered(delivery.Id);
            LogDelivered(logger, delivery.State, delivery.Id, channel.Name, delivery.Attempts + 1);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // Whatever the receiver did, and whatever the client library threw for it, is this attempt's failure.
            var reason = e is DeliveryFailedException ? e.Message : DeliveryProblems.Unexpected(channel.Kind, e);
            var now = time.GetUtcNow();
            var queuedFor = now - DateTimeOffset.Parse(delivery.CreatedAt, System.Globalization.CultureInfo.InvariantCulture);
            // Never given up on its first attempt: at least one retry after a backoff, however short RetryFor is.
            var giveUp = queuedFor >= options.Value.RetryFor && delivery.Attempts >= 1;
            store.AttemptFailed(delivery.Id, reason, giveUp ? null : now + options.Value.RetryDelay((int)delivery.Attempts + 1));
            if (giveUp)
            {
                // A run of failures may have made the channel failing: the evaluator looks now.
                evaluate.Nudge();
                LogGaveUp(logger, delivery.Id, channel.Name, delivery.Attempts + 1, reason);
            }
            else
            {
                LogRetry(logger, delivery.Id, channel.Name, reason);
            }
        }
    }

    [LoggerMessage(120, LogLevel.Information, "Delivered {State} message {DeliveryId} to channel {Channel} (attempt {Attempt})")]
    private static partial void LogDelivered(ILogger logger, string state, string deliveryId, string channel, long attempt);

    [LoggerMessage(121, LogLevel.Warning, "Delivery {DeliveryId} to channel {Channel} failed, will retry: {Reason}")]
    private static partial void LogRetry(ILogger logger, string deliveryId, string channel, string reason);

    [LoggerMessage(122, LogLevel.Error, "Delivery {DeliveryId} to channel {Channel} failed after {Attempts} attempts; marked failed: {Reason}")]
    private static partial void LogGaveUp(ILogger logger, string deliveryId, string channel, long attempts, string reason);

}

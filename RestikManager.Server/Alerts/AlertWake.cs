using RestikManager.Server.Events;
using RestikManager.Server.Alerts.Sending;

namespace RestikManager.Server.Alerts;

/// <summary>
/// "Something alerts watch changed" (and, with <paramref name="Send"/>, "a delivery was queued"), heard on every replica:
/// the evaluator and the outbox run on the leader, which may not be the replica where the job ended.
/// </summary>
internal sealed record AlertWorkDue(bool Send) : IReplicatedEvent;

/// <summary>Wakes this replica's evaluator (and outbox); on a replica that does not lead they find nothing to do.</summary>
internal sealed class AlertWake(AlertSignal evaluate, DeliveryWorker worker) : IHandles<AlertWorkDue>
{
    public void Handle(AlertWorkDue domainEvent)
    {
        evaluate.Nudge();
        if (domainEvent.Send)
        {
            worker.Nudge();
        }
    }
}

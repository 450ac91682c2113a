using RestikManager.Server.Agents;
using RestikManager.Server.Events;
using RestikManager.Server.Jobs;

namespace RestikManager.Server.Alerts;

/// <summary>
/// What the alerts hear from the other features: a recorded or server-ended job, or a connected host, asks for an evaluation now (a
/// host reported offline is reported back at once), and a backup's start and end are healthchecks pings.
/// </summary>
internal sealed class AlertTriggers(AlertSignal evaluate, BackupPings pings) : IHandles<JobRecorded>, IHandles<JobFinishedByServer>,
    IHandles<JobStartedOnHost>, IHandles<HostConnected>
{
    public void Handle(JobRecorded domainEvent)
    {
        evaluate.Nudge();
        pings.Ended(domainEvent.AgentId, domainEvent.Result);
    }

    public void Handle(JobFinishedByServer domainEvent) => evaluate.Nudge();

    public void Handle(JobStartedOnHost domainEvent) => pings.Started(domainEvent.AgentId, domainEvent.Started);

    public void Handle(HostConnected domainEvent) => evaluate.Nudge();
}

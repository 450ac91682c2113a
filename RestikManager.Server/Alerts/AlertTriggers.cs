using RestikManager.Server.Agents;
using RestikManager.Server.Events;
using RestikManager.Server.Jobs;

namespace RestikManager.Server.Alerts;

/// <summary>
/// What the alerts hear from the other features: a recorded or server-ended job, or a connected host, asks for an evaluation now (a
/// host reported offline is reported back at once), and a backup's start and end are healthchecks pings.
/// </summary>
internal sealed class AlertTriggers(DomainEvents events, BackupPings pings) : IHandles<JobRecorded>, IHandles<JobFinishedByServer>,
    IHandles<JobStartedOnHost>, IHandles<HostConnected>
{
    public void Handle(JobRecorded domainEvent)
    {
        pings.Ended(domainEvent.AgentId, domainEvent.Result);
        events.Publish(new AlertWorkDue(Send: true));
    }

    public void Handle(JobFinishedByServer domainEvent) => events.Publish(new AlertWorkDue(Send: false));

    public void Handle(JobStartedOnHost domainEvent)
    {
        pings.Started(domainEvent.AgentId, domainEvent.Started);
        events.Publish(new AlertWorkDue(Send: true));
    }

    public void Handle(HostConnected domainEvent) => events.Publish(new AlertWorkDue(Send: false));
}

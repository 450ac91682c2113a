using RestikManager.Contracts.Protocol;

namespace RestikManager.Agent.Schedule;

/// <summary>What the schedule needs of the agent's jobs (<see cref="Jobs.JobHost"/>): whether a plan runs, and a start.</summary>
internal interface IScheduledJobs
{
    bool IsPlanBusy(string planId, string kind);

    void Start(JobSpec job, RepositoryAccess repository);
}

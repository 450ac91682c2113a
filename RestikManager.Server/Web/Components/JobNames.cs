using RestikManager.Server.Agents;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;

namespace RestikManager.Server.Web.Components;

/// <summary>A job row: the job and the names of its host and plan.</summary>
internal sealed record JobRowModel(JobView Job, string HostName, string? PlanName);

/// <summary>A job's live panel on its page; <see cref="CanOperate"/> shows its Cancel button.</summary>
internal sealed record JobPanelModel(JobView Job, bool CanOperate);

/// <summary>The host and plan names a job row shows beside its ids.</summary>
internal sealed class JobNames(AgentStore agents, PlanStore plans)
{
    public JobRowModel Row(JobView job) => new(
        job, agents.Find(job.AgentId)?.Hostname ?? job.AgentId,
        job.PlanId is null ? null : plans.Find(job.PlanId)?.Name ?? "(deleted plan)");
}

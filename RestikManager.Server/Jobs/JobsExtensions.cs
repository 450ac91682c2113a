using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Events;

namespace RestikManager.Server.Jobs;

internal static class JobsExtensions
{
    /// <summary>Jobs: the queue and its dispatch, what agents report, the read side, server-side schedules.</summary>
    public static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        builder.AddJson(JobsJson.Default);
        builder.Services.AddSingleton<JobStore>();
        builder.Services.AddSingleton<JobDispatcher>();
        builder.Services.AddSingleton<JobClaims>();
        builder.Services.AddSingleton<JobViews>();
        builder.Services.AddHandler<JobChanged, JobViews>();
        builder.Services.AddHandler<JobChanged, JobStore>();
        builder.Services.AddHandler<JobsQueued, JobDispatcher>();
        builder.Services.AddReplicated("job-changed", JobsJson.Default.JobChanged);
        builder.Services.AddReplicated("jobs-queued", JobsJson.Default.JobsQueued);
        builder.Services.AddSingleton<ManualJobs>();
        builder.Services.AddSingleton<PlanDrills>();
        builder.Services.AddSingleton<PlanCopies>();
        builder.Services.AddSingleton<CopyHistory>();
        builder.Services.AddHandler<JobRecorded, PlanCopies>();
        builder.Services.AddSingleton<Repositories.IRepositoryInit, RepositoryInitJobs>();
        builder.Services.AddSingleton<AwayHostJobs>();
        builder.Services.AddSingleton<AgentJobEvents>();
        builder.Services.AddSingleton<IAgentEvents>(s => s.GetRequiredService<AgentJobEvents>());
        builder.Services.AddHostedService<MaintenanceScheduler>();
        return builder;
    }
}

using RestikManager.Server.Agents;
using RestikManager.Server.Plans;
using RestikManager.Server.Repositories;
using RestikManager.Server.Snapshots;

namespace RestikManager.Server.Jobs;

internal static class JobsExtensions
{
    /// <summary>Repositories, plans, jobs and snapshots: everything that makes backups happen.</summary>
    public static IHostApplicationBuilder AddBackups(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RepositoryStore>();
        builder.Services.AddSingleton<PlanStore>();
        builder.Services.AddSingleton<PlanDistributor>();
        builder.Services.AddSingleton<JobStore>();
        builder.Services.AddSingleton<JobDispatcher>();
        builder.Services.AddSingleton<JobClaims>();
        builder.Services.AddSingleton<AwayHostJobs>();
        builder.Services.AddSingleton<SnapshotCache>();
        builder.Services.AddSingleton<QueryBroker>();
        builder.Services.AddSingleton<SnapshotService>();
        builder.Services.AddSingleton<IAgentEvents, AgentJobEvents>();
        builder.Services.AddHostedService<MaintenanceScheduler>();
        return builder;
    }

    public static IEndpointRouteBuilder MapBackupsApi(this IEndpointRouteBuilder app)
    {
        app.MapRepositoriesApi();
        app.MapPlansApi();
        app.MapJobsApi();
        app.MapSnapshotsApi();
        return app;
    }
}

using RestikManager.Server.Agents;
using RestikManager.Server.Api;
using RestikManager.Server.Events;

namespace RestikManager.Server.Plans;

internal static class PlansExtensions
{
    /// <summary>Plans and their distribution to the hosts that run them.</summary>
    public static IHostApplicationBuilder AddPlans(this IHostApplicationBuilder builder)
    {
        builder.AddJson(PlansJson.Default);
        builder.Services.AddSingleton<PlanStore>();
        builder.Services.AddSingleton<PlanDistributor>();
        builder.Services.AddSingleton<PlanCommands>();
        builder.Services.AddSingleton<IAgentEvents>(s => s.GetRequiredService<PlanDistributor>());
        builder.Services.AddHandler<HostLabelChanged, PlanDistributor>();
        builder.Services.AddHandler<Repositories.RepositoryChanged, PlanDistributor>();
        builder.Services.AddHandler<PlanSetsChanged, PlanDistributor>();
        builder.Services.AddReplicated("plan-sets-changed", PlansJson.Default.PlanSetsChanged);
        builder.Services.AddSingleton<Repositories.IRepositoryReferences, PlanRepositoryReferences>();
        return builder;
    }
}

using RestikManager.Server.Agents;

namespace RestikManager.Server.Plans;

internal static class PlansExtensions
{
    /// <summary>Plans and their distribution to the hosts that run them.</summary>
    public static IHostApplicationBuilder AddPlans(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PlanStore>();
        builder.Services.AddSingleton<PlanDistributor>();
        builder.Services.AddSingleton<PlanCommands>();
        builder.Services.AddSingleton<IAgentEvents>(s => s.GetRequiredService<PlanDistributor>());
        return builder;
    }
}

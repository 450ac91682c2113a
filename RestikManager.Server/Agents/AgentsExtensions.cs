using RestikManager.Server.Api;

namespace RestikManager.Server.Agents;

internal static class AgentsExtensions
{
    public static IHostApplicationBuilder AddAgents(this IHostApplicationBuilder builder)
    {
        builder.AddJson(AgentsJson.Default);
        builder.Services.AddSingleton<AgentStore>();
        builder.Services.AddSingleton<EnrollmentTokens>();
        builder.Services.AddSingleton<HostCommands>();
        builder.Services.AddSingleton<AgentConnections>();
        builder.Services.AddSingleton<AgentPresence>();
        builder.Services.AddSingleton<AgentEventRouter>();
        builder.Services.AddHostedService<LastSeenFlusher>();
        return builder;
    }
}

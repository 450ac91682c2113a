using RestikManager.Server.Api;
using RestikManager.Server.Events;

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
        builder.Services.AddHandler<AgentSessionOpened, AgentConnections>();
        builder.Services.AddHandler<AgentSessionClosed, AgentConnections>();
        builder.Services.AddHandler<AgentMessageForwarded, AgentConnections>();
        builder.Services.AddHandler<AgentDropped, AgentConnections>();
        builder.Services.AddHandler<AgentCredentialChanged, AgentStore>();
        builder.Services.AddReplicated("host-changed", AgentsJson.Default.HostChanged);
        builder.Services.AddReplicated("host-label-changed", AgentsJson.Default.HostLabelChanged);
        builder.Services.AddReplicated("agent-session-opened", AgentsJson.Default.AgentSessionOpened);
        builder.Services.AddReplicated("agent-session-closed", AgentsJson.Default.AgentSessionClosed);
        builder.Services.AddReplicated("agent-message", AgentsJson.Default.AgentMessageForwarded);
        builder.Services.AddReplicated("agent-dropped", AgentsJson.Default.AgentDropped);
        builder.Services.AddReplicated("agent-credential-changed", AgentsJson.Default.AgentCredentialChanged);
        return builder;
    }
}

using System.Reflection;

namespace RestikManager.AppHost;

/// <summary>One simulated host: its own home with the agent's config and state, data to back up and a local repository.</summary>
public sealed record SimulatedHost(string Name, string Home)
{
    public string Config => Path.Join(Home, "agent.json");

    public string StateDir => Path.Join(Home, "state");

    public string Data => Path.Join(Home, "data");

    public string Repository => Path.Join(Home, "repo");

    /// <summary>Names of the repository and the plan <see cref="SampleBackups"/> makes for this host.</summary>
    public string RepositoryName => $"{Name} repo";

    public string PlanName => $"{Name} files";

    public string RepositoryPassword => $"dev-{Name}-repository-password";
}

/// <summary>
/// Each simulated host is an executable resource running the agent built beside the AppHost (<c>dotnet
/// restic-manager-agent.dll run</c>), not a project resource: a project resource is started through <c>dotnet run</c>,
/// which costs every host a second process of ~115 MB and a project evaluation, too much for 50 hosts. A host not yet
/// enrolled gets a <c>host-N-enroll</c> resource first: the agent's own <c>enroll</c> with a token the AppHost asks
/// the server for once the server is healthy. With replicas, the hosts are spread over them.
/// </summary>
internal static class SimulatedHosts
{
    public static void AddSimulatedHosts(this IDistributedApplicationBuilder builder, DevStackSettings settings,
        IReadOnlyList<IResourceBuilder<ProjectResource>> servers, DevAdmin admin)
    {
        var agent = AgentAssembly();
        foreach (var (host, index) in settings.SimulatedHosts.Select((h, i) => (h, i)))
        {
            // With replicas, host-1 joins the first, host-2 the second …: what one replica asks reaches the others' agents.
            var server = servers[index % servers.Count];
            var url = server.GetEndpoint("http");
            Directory.CreateDirectory(host.Home);
            var run = settings.WithTelemetry(builder.AddExecutable(host.Name, "dotnet", host.Home, agent, "run", "--config", host.Config, "--state-dir", host.StateDir))
                .WaitFor(server);
            if (File.Exists(host.Config))
            {
                continue;
            }

            var enroll = builder.AddExecutable($"{host.Name}-enroll", "dotnet", host.Home, agent)
                .WithArgs(async context =>
                {
                    var token = await admin.EnrollmentTokenAsync(host.Name, context.CancellationToken);
                    context.Args.Add("enroll");
                    // --force: a kept data dir whose host the server knows but whose agent.json is gone enrolls again.
                    foreach (var arg in new[] { "--server", url.Url, "--token", token, "--config", host.Config, "--hostname", host.Name, "--force" })
                    {
                        context.Args.Add(arg);
                    }
                })
                .WithParentRelationship(run)
                .WaitFor(server);
            run.WaitForCompletion(enroll);
        }
    }

    /// <summary>The agent's build output, recorded by the AppHost's project file (RecordAgentAssembly).</summary>
    private static string AgentAssembly() =>
        typeof(SimulatedHosts).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AgentAssembly").Value!;
}

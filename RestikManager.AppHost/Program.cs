namespace RestikManager.AppHost;

/// <summary>
/// The development stack: the server (a project resource; with <c>--replicas N</c>, N of them on a PostgreSQL of the
/// stack's own), N simulated hosts running the real agent (spread over the replicas), the Aspire dashboard over all of
/// them, and sample backups made through the real API. Options: README "Dev stack".
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var builder = DistributedApplication.CreateBuilder(args);
        if (DevStackSettings.Read(builder.Configuration, builder.AppHostDirectory) is not { } settings)
        {
            return 1;
        }

        var password = builder.AddParameter("admin-password", () => settings.AdminPassword, secret: true);
        var assets = builder.AddParameter("bundled-assets-dir", () => settings.BundledAssetsDir);
        var database = settings.Replicas > 1 ? builder.AddDevPostgres(settings) : default;
        var servers = new List<IResourceBuilder<ProjectResource>>();
        for (var replica = 1; replica <= settings.Replicas; replica++)
        {
            var name = DevStackSettings.ServerName(replica);
            var dataDir = settings.ServerDataDirOf(replica);
            var server = builder.AddProject<Projects.RestikManager_Server>(name)
                .WithHttpEndpoint(name: "http")
                .WithEnvironment("RM_DATA_DIR", builder.AddParameter($"{name}-data-dir", () => dataDir))
                .WithEnvironment("RM_BUNDLED_ASSETS_DIR", assets)
                .WithEnvironment("RM_ADMIN_PASSWORD", password)
                .WithHttpHealthCheck("/health");
            if (database.Resource is { } postgres)
            {
                // Replicas share everything through the database: one key for its secrets, no state on their disks.
                server.WithEnvironment("RM_DATABASE_URL", database.ConnectionString)
                    .WithEnvironment("RM_SECRET_KEY_FILE", DevPostgres.SecretKeyFile(settings))
                    .WaitFor(postgres);
            }

            settings.WithTelemetry(server);
            var url = server.GetEndpoint("http");
            server.WithEnvironment(context => context.EnvironmentVariables["RM_LISTEN"] =
                ReferenceExpression.Create($"127.0.0.1:{url.Property(EndpointProperty.TargetPort)}"));
            servers.Add(server);
        }

        using var admin = new DevAdmin(servers[0].GetEndpoint("http"), password.Resource);
        builder.AddSimulatedHosts(settings, servers, admin);
        builder.AddSampleBackups(settings, servers[0], admin);

        try
        {
            await using var app = builder.Build();
            await app.RunAsync();
            return 0;
        }
        finally
        {
            settings.RemoveTemporaryState();
        }
    }
}

namespace RestikManager.AppHost;

/// <summary>
/// The development stack: the server (a project resource), N simulated hosts running the real agent, the Aspire
/// dashboard over all of them, and sample backups made through the real API. Options: README "Dev stack".
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
        var server = builder.AddProject<Projects.RestikManager_Server>("server")
            .WithHttpEndpoint(name: "http")
            .WithEnvironment("RM_DATA_DIR", builder.AddParameter("data-dir", () => settings.ServerDataDir))
            .WithEnvironment("RM_BUNDLED_ASSETS_DIR", builder.AddParameter("bundled-assets-dir", () => settings.BundledAssetsDir))
            .WithEnvironment("RM_ADMIN_PASSWORD", password)
            .WithHttpHealthCheck("/health");
        settings.WithTelemetry(server);
        var url = server.GetEndpoint("http");
        server.WithEnvironment(context => context.EnvironmentVariables["RM_LISTEN"] =
            ReferenceExpression.Create($"127.0.0.1:{url.Property(EndpointProperty.TargetPort)}"));

        using var admin = new DevAdmin(url, password.Resource);
        builder.AddSimulatedHosts(settings, server, admin);
        builder.AddSampleBackups(settings, server, admin);

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

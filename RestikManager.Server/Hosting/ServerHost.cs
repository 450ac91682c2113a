using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using RestikManager.Contracts;
using RestikManager.Server.Accounts;
using RestikManager.Server.Agents;
using RestikManager.Server.Alerts;
using RestikManager.Server.Api;
using RestikManager.Server.Audit;
using RestikManager.Server.Configuration;
using RestikManager.Server.Data;
using RestikManager.Server.Distribution;
using RestikManager.Server.Events;
using RestikManager.Server.Jobs;
using RestikManager.Server.Plans;
using RestikManager.Server.Protection;
using RestikManager.Server.Replicas;
using RestikManager.Server.Repositories;
using RestikManager.Server.Secrets;
using RestikManager.Server.SingleSignOn;
using RestikManager.Server.Snapshots;
using RestikManager.Server.Stats;
using RestikManager.Server.Updates;
using RestikManager.Server.Web;
using RestikManager.Server.Web.Live;
using RestikManager.Server.Workers;

namespace RestikManager.Server.Hosting;

/// <summary>Builds and runs the web server. Reads top to bottom as the list of features.</summary>
internal static class ServerHost
{
    public static WebApplication Build(string[] args)
    {
        // The content root is the server's own folder (wwwroot beside the executable), wherever it is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Run from build output (the dev stack, the in-process tests), wwwroot is found through the static web assets
        // manifest beside the executable; a published server has none and serves its own wwwroot copy.
        builder.WebHost.UseStaticWebAssets();
        var settings = ServerSettings.Load(builder.Configuration);
        var oidc = SingleSignOn.OidcSettings.Load(builder.Configuration, settings.BaseUrl);
        var adminsOnlyLocally = SingleSignOn.LocalSignIn.AdminsOnly(builder.Configuration, oidc);
        var adminPassword = AdminBootstrap.ReadAdminPassword(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.AddServerDefaults();
        builder.AddWorkers();
        builder.AddEvents();
        builder.AddApi();
        builder.AddListener(settings);
        var (secretKey, database) = builder.AddData(settings);
        builder.AddSecrets(settings, secretKey, database);
        builder.AddAudit(settings);
        builder.AddReplicas(database);
        builder.AddAccounts(settings);
        builder.AddSingleSignOn(oidc, adminsOnlyLocally);
        builder.AddAgents();
        builder.AddRepositories();
        builder.AddPlans();
        builder.AddJobs();
        builder.AddSnapshots();
        builder.AddStats();
        builder.AddAlerts();
        builder.AddDistribution(settings);
        builder.AddUpdates();
        builder.AddProtection();
        builder.AddWeb();
        builder.AddApiDocument();

        var app = builder.Build();
        app.Services.GetRequiredService<AdminBootstrap>().Run(adminPassword, settings.BaseUrl);
        app.Services.GetRequiredService<AgentStore>().RememberLiveCredentials();
        app.UseSecurityHeaders();
        app.UseErrorEnvelopes();
        app.UseStaticFiles();
        app.UseWebSockets();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapServerEndpoints();
        app.MapDistributionApi();
        app.MapAccountsApi();
        app.MapAgentsApi();
        app.MapRepositoriesApi();
        app.MapPlansApi();
        app.MapJobsApi();
        app.MapSnapshotsApi();
        app.MapStatsApi();
        app.MapAlertsApi();
        app.MapUpdatesApi();
        app.MapProtectionApi();
        app.MapApiDocument();
        app.MapLiveStreams();
        app.MapRazorPages();
        return app;
    }

    /// <summary>Builds and runs the server until it is stopped; a refused start is one line on stderr and exit code 1.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            await RunAsync(Build(args));
            return 0;
        }
        catch (StartupRefusedException e)
        {
            await Console.Error.WriteLineAsync($"{ServerCommandLine.ProgramName}: {e.Message}");
            return 1;
        }
    }

    private static async Task RunAsync(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("RestikManager.Server");
        var settings = app.Services.GetRequiredService<ServerSettings>();
        var build = BuildInfo.Current;
        ServerLog.Starting(logger, build.Version, build.Commit, build.Date, settings.DataDir, settings.BundledAssetsDir);
        if (!Directory.Exists(settings.BundledAssetsDir))
        {
            ServerLog.BundledMissing(logger, settings.BundledAssetsDir);
        }

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            ServerLog.Listening(logger, string.Join(", ", addresses));
        });
        try
        {
            await app.RunAsync();
        }
        catch (IOException e) when (e.InnerException is AddressInUseException or System.Net.Sockets.SocketException)
        {
            // Kestrel could not bind (the port is taken, or this user may not use it): a refusal, not a crash.
            throw new StartupRefusedException(
                $"RM_LISTEN: {e.Message.TrimEnd('.')}; stop what listens there or set RM_LISTEN to another address", e);
        }

        ServerLog.Stopped(logger);
    }
}

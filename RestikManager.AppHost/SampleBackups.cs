using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RestikManager.AppHost;

/// <summary>The <c>sample-data</c> resource: shows in the dashboard whether every host has its repository and plan yet.</summary>
public sealed class SampleDataResource(string name) : Resource(name);

/// <summary>
/// Gives each simulated host something to back up, through the server's real API once the server is healthy: a
/// small generated file tree, its own local restic repository (initialised by its agent) and a plan that backs the
/// tree up on the plan schedule, keeps the last 12 snapshots and forgets older ones hourly. Hosts that already
/// have them (a kept data dir) keep theirs. Its progress is the <c>sample-data</c> resource's state and log.
/// </summary>
internal static partial class SampleBackups
{
    public const string ResourceName = "sample-data";

    public static void AddSampleBackups(this IDistributedApplicationBuilder builder, DevStackSettings settings,
        IResourceBuilder<ProjectResource> server, DevAdmin admin)
    {
        var resource = builder.AddResource(new SampleDataResource(ResourceName))
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "Seed", State = "Waiting", Properties = [] })
            .WithParentRelationship(server);

        // The server's ready handler must not wait for the hosts (they wait for it), so the work runs beside it.
        server.OnResourceReady((_, ready, _) =>
        {
            var services = ready.Services;
            var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            var url = server.GetEndpoint("http").Url;
            var login = settings.AdminPassword == DevStackSettings.DevAdminPassword ? settings.AdminPassword : "(the admin-password parameter)";
            var logger = services.GetRequiredService<ILogger<SampleDataResource>>();
            LogServerReady(logger, url, login);
            _ = Task.Run(() => RunAsync(resource.Resource, settings, admin, services, stopping), stopping);
            return Task.CompletedTask;
        });
    }

    private static async Task RunAsync(SampleDataResource resource, DevStackSettings settings, DevAdmin admin, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        var log = services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
        try
        {
            await notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow });
            var client = await admin.ClientAsync(cancellationToken);
            await WaitOnlineAsync(client, settings.Hosts, cancellationToken);
            var repositories = await client.GetFromJsonAsync<JsonElement>("/api/v1/repositories", cancellationToken);
            var plans = await client.GetFromJsonAsync<JsonElement>("/api/v1/plans", cancellationToken);
            foreach (var host in settings.SimulatedHosts)
            {
                if (IdNamed(repositories, host.RepositoryName) is not null && IdNamed(plans, host.PlanName) is not null)
                {
                    continue;
                }

                await SetUpAsync(client, host, settings.PlanSchedule, cancellationToken);
                LogHostSetUp(log, host.Name, host.Repository, host.Data, settings.PlanSchedule);
            }

            await notifications.PublishUpdateAsync(resource, s => s with
            {
                State = KnownResourceStates.Finished, ExitCode = 0, StopTimeStamp = DateTime.UtcNow,
            });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TimeoutException or JsonException)
        {
            LogFailed(log, e.Message);
            await notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.FailedToStart, ExitCode = 1 });
        }
    }

    private static async Task SetUpAsync(HttpClient client, SimulatedHost host, string schedule, CancellationToken cancellationToken)
    {
        WriteTree(host.Data, host.Name.GetHashCode(StringComparison.Ordinal));
        var repository = await DevAdmin.PostAsync(client, "/api/v1/repositories", new
        {
            name = host.RepositoryName, url = host.Repository, password = host.RepositoryPassword, init = true, initHost = host.Name,
        }, cancellationToken);
        await WaitForJobAsync(client, repository.GetProperty("initJob").GetString()!, cancellationToken);
        await DevAdmin.PostAsync(client, "/api/v1/plans", new
        {
            name = host.PlanName,
            repositoryId = repository.GetProperty("id").GetString(),
            hosts = new[] { host.Name },
            paths = new[] { host.Data },
            schedule,
            timeZone = "UTC",
            retention = new { keepLast = 12 },
            forgetSchedule = "0 0 * * * ?",
        }, cancellationToken);
    }

    private static string? IdNamed(JsonElement list, string name) =>
        list.EnumerateArray().Where(e => e.GetProperty("name").GetString() == name).Select(e => e.GetProperty("id").GetString()).FirstOrDefault();

    private static void WriteTree(string dir, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 60; i++)
        {
            var folder = Path.Join(dir, $"project{i % 5}", i % 2 == 0 ? "src" : "docs");
            Directory.CreateDirectory(folder);
            var bytes = new byte[random.Next(100, 200_000)];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Join(folder, $"file{i:00}.bin"), bytes);
        }
    }

    private static async Task WaitOnlineAsync(HttpClient client, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 1200; i++)
        {
            var hosts = await client.GetFromJsonAsync<JsonElement>("/api/v1/hosts", cancellationToken);
            if (hosts.EnumerateArray().Count(h => h.GetProperty("status").GetString() == "online") >= count)
            {
                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"the {count} simulated hosts did not come online within two minutes");
    }

    private static async Task WaitForJobAsync(HttpClient client, string id, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 1200; i++)
        {
            var job = await client.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{id}", cancellationToken);
            if (job.GetProperty("finishedAt").ValueKind == JsonValueKind.String)
            {
                if (job.GetProperty("status").GetString() != "succeeded")
                {
                    throw new InvalidOperationException($"initialising a repository failed: {job.GetProperty("error")}");
                }

                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"job {id} did not end within two minutes");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "restic-manager is at {Url}; sign in as admin / {Password}")]
    private static partial void LogServerReady(ILogger logger, string url, string password);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Host}: repository {Repository} and a plan backing up {Data} on '{Schedule}'")]
    private static partial void LogHostSetUp(ILogger logger, string host, string repository, string data, string schedule);

    [LoggerMessage(Level = LogLevel.Error, Message = "setting up the sample backups failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RestikManager.AppHost;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.FullStack;

/// <summary>
/// The AppHost itself, started by Aspire.Hosting.Testing: the server project and N simulated hosts running the real
/// agent, enrolled and given a repository and plan each through the real API (the <c>sample-data</c> resource).
/// The stack lives in a temporary data dir; disposing stops every process (DCP does) and removes every file.
/// Every line every resource printed is kept for assertions and failure messages.
/// </summary>
internal sealed class AspireStack : IAsyncDisposable
{
    private readonly TempDir _root;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, (string Repository, string Plan)> _ids = [];

    private AspireStack(TempDir root, DistributedApplication app, IReadOnlyList<SimulatedHost> hosts)
    {
        _root = root;
        App = app;
        Hosts = hosts;
    }

    public DistributedApplication App { get; }

    public IReadOnlyList<SimulatedHost> Hosts { get; }

    /// <summary>An API client signed in as admin (bearer token).</summary>
    public HttpClient Admin { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public Uri ServerUrl => App.GetEndpoint("server", "http");

    /// <summary>The root all of this stack's files live under.</summary>
    public string Root => _root.Path;

    /// <summary>Every line every resource printed so far.</summary>
    public string Output => string.Join('\n', _output);

    public SimulatedHost Host(string name) => Hosts.Single(h => h.Name == name);

    public string RepositoryId(SimulatedHost host) => _ids[host.Name].Repository;

    public string PlanId(SimulatedHost host) => _ids[host.Name].Plan;

    /// <summary>
    /// Starts the AppHost with <paramref name="hosts"/> hosts whose plans run on <paramref name="schedule"/>, and
    /// the AppHost settings in <paramref name="appHostSettings"/> (<c>--otlp-endpoint URL</c>, say).
    /// </summary>
    public static async Task<AspireStack> StartAsync(int hosts = 2, string schedule = "0 0 3 * * ?", params string[] appHostSettings)
    {
        var root = new TempDir("rm-app");
        DistributedApplication? app = null;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.RestikManager_AppHost>(
                ["--hosts", hosts.ToString(CultureInfo.InvariantCulture), "--plan-schedule", schedule, "--Parameters:data-dir", root.Path, .. appHostSettings],
                timeout.Token);
            // The resources' output is collected below (Output, for failure messages), not echoed into the test log.
            builder.Services.AddLogging(logging => logging
                .AddFilter("RestikManager.AppHost.Resources", LogLevel.None)
                .AddFilter("Aspire.Hosting", LogLevel.Warning));
            app = await builder.BuildAsync(timeout.Token);
            var settings = DevStackSettings.Read(builder.Configuration, builder.AppHostDirectory)!;
            var stack = new AspireStack(root, app, settings.SimulatedHosts);
            await app.StartAsync(timeout.Token);
            stack.WatchOutput();
            await stack.WaitForSampleDataAsync(timeout.Token);
            await stack.SignInAsync(settings.AdminPassword);
            return stack;
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            root.Dispose();
            throw;
        }
    }

    /// <summary>
    /// SIGKILL to a resource's whole process tree: no chance to flush or say goodbye. This reaches below Aspire on
    /// purpose: its stop command is graceful, and the pid it reports for a project is <c>dotnet run</c>'s, whose
    /// child is the server. DCP then sees the resource exit.
    /// </summary>
    public async Task KillAsync(string resource)
    {
        var pid = await PidAsync(resource);
        ProcessTree.KillAndWait(pid);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await App.ResourceNotifications.WaitForResourceAsync(resource,
            e => e.Snapshot.State?.Text is "Exited" or "Finished" or "FailedToStart", timeout.Token);
    }

    /// <summary>Starts a stopped resource again through Aspire's start command and waits until it runs (the server: healthy).</summary>
    public async Task StartAgainAsync(string resource)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var result = await App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, timeout.Token);
        result.Success.ShouldBeTrue($"{resource} did not start again ({result.Message}); its output and the others':\n{Output}");
        if (resource == "server")
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
        }
        else
        {
            await App.ResourceNotifications.WaitForResourceAsync(resource, KnownResourceStates.Running, timeout.Token);
        }
    }

    /// <summary>The process id Aspire reports for a running resource.</summary>
    public async Task<int> PidAsync(string resource)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = await App.ResourceNotifications.WaitForResourceAsync(resource,
            e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.Properties.Any(p => p.Name == "executable.pid" && p.Value is not null),
            timeout.Token);
        return Convert.ToInt32(running.Snapshot.Properties.First(p => p.Name == "executable.pid").Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until every host is online.</summary>
    public Task<JsonElement[]> WaitForAllOnlineAsync(TimeSpan? timeout = null) =>
        Api.WaitForHostsAsync(Admin, h => h.Length == Hosts.Count && h.All(x => x.Str("status") == "online"),
            timeout ?? TimeSpan.FromSeconds(60), "every host online");

    /// <summary>Waits until <paramref name="name"/> is offline (the server noticed its agent went).</summary>
    public Task<JsonElement[]> WaitForOfflineAsync(string name) =>
        Api.WaitForHostsAsync(Admin, h => h.Any(x => x.Str("hostname") == name && x.Str("status") != "online"),
            TimeSpan.FromSeconds(30), name + " offline");

    /// <summary>Ids of the jobs the agents said they finished, from their logs (killed and restarted ones included).</summary>
    public IReadOnlyList<string> JobsTheAgentsEnded(string kind) => AgentLog.EndedJobs(_output, kind);

    /// <summary>Processes whose command line names this stack's root (its agents), from /proc.</summary>
    public IReadOnlyList<int> ProcessesOfThisStack() =>
        [.. Directory.GetDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0).Where(pid => pid > 0)
            .Where(pid =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{pid}/cmdline").Contains(_root.Path, StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false;
                }
            })];

    /// <summary>Stops the app (DCP stops every process) and removes the stack's files; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        await App.DisposeAsync();
        Admin.Dispose();
        _stop.Dispose();
        _root.Dispose();
    }

    private void WatchOutput()
    {
        // By resource, once started: a process's log is kept under its DCP instance's name (server-abcd1234), which
        // exists from the start on; DCP hands the whole log to a new watcher.
        var logs = App.Services.GetRequiredService<ResourceLoggerService>();
        var stop = _stop.Token;
        foreach (var resource in App.Services.GetRequiredService<DistributedApplicationModel>().Resources)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await foreach (var batch in logs.WatchAsync(resource).WithCancellation(stop))
                    {
                        foreach (var line in batch)
                        {
                            _output.Enqueue($"{resource.Name}: {line.Content}");
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            });
        }
    }

    private const string SampleBackupsResource = "sample-data";

    private async Task WaitForSampleDataAsync(CancellationToken cancellationToken)
    {
        var done = await App.ResourceNotifications.WaitForResourceAsync(SampleBackupsResource,
            e => e.Snapshot.State?.Text is "Finished" or "FailedToStart", cancellationToken);
        done.Snapshot.State!.Text.ShouldBe("Finished", "the sample backups were not set up:\n" + Output);
    }

    private async Task SignInAsync(string password)
    {
        Admin.BaseAddress = ServerUrl;
        Admin.WithBearer(await Api.TokenAsync(Admin, "admin", password));
        var repositories = await Admin.GetFromJsonAsync<JsonElement[]>("/api/v1/repositories");
        var plans = await Admin.GetFromJsonAsync<JsonElement[]>("/api/v1/plans");
        foreach (var host in Hosts)
        {
            _ids[host.Name] = (repositories!.Single(r => r.Str("name") == host.RepositoryName).Str("id"),
                plans!.Single(p => p.Str("name") == host.PlanName).Str("id"));
        }
    }
}

/// <summary>The suites that start the AppHost: one stack at a time (each is a server, its hosts, DCP and restic runs).</summary>
[CollectionDefinition(Name)]
public sealed class AspireStackGroup
{
    public const string Name = "aspire stack";
}

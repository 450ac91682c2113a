using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using RestikManager.AppHost;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.FullStack;

/// <summary>
/// The AppHost's model started from a test (what Aspire.Hosting.Testing does for an Aspire AppHost): the
/// published server and N simulated hosts as real processes, each with a sample tree, a repository and a plan,
/// an admin API client, and waits for hosts and jobs. Disposing stops every process and removes every file,
/// whether the test passed or not; the processes' output is kept for failure messages.
/// </summary>
internal sealed class TestApp : IAsyncDisposable
{
    private readonly TempDir _root;

    private TestApp(TempDir root, RunningApp app)
    {
        _root = root;
        App = app;
    }

    public RunningApp App { get; }

    public HttpClient Admin => App.Admin;

    public IReadOnlyList<SimulatedHost> Hosts => App.Hosts;

    public SimulatedHost Host(string name) => App.Hosts.Single(h => h.Name == name);

    /// <summary>Starts the model with <paramref name="hosts"/> hosts whose plans run on <paramref name="schedule"/>.</summary>
    public static async Task<TestApp> StartAsync(PublishedTree tree, int hosts = 2, string schedule = "0 0 3 * * ?",
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var root = new TempDir("rm-app");
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var app = await RunningApp.StartAsync(new AppModelOptions(tree.Root, root.Path, 0, hosts, schedule, environment, (_, _) => { }),
                timeout.Token);
            return new TestApp(root, app);
        }
        catch
        {
            root.Dispose();
            throw;
        }
    }

    /// <summary>Waits until every host is online.</summary>
    public Task<JsonElement[]> WaitForAllOnlineAsync(TimeSpan? timeout = null) =>
        Api.WaitForHostsAsync(Admin, h => h.Length == Hosts.Count && h.All(x => x.Str("status") == "online"),
            timeout ?? TimeSpan.FromSeconds(60), "every host online");

    /// <summary>Waits until <paramref name="name"/> is offline (the server noticed its agent went).</summary>
    public Task<JsonElement[]> WaitForOfflineAsync(string name) =>
        Api.WaitForHostsAsync(Admin, h => h.Any(x => x.Str("hostname") == name && x.Str("status") != "online"),
            TimeSpan.FromSeconds(30), name + " offline");

    /// <summary>The jobs of <paramref name="host"/>'s plan.</summary>
    public Task<JsonElement[]> PlanJobsAsync(SimulatedHost host) => BackupApi.JobsAsync(Admin, $"&plan={host.PlanId}");

    /// <summary>Turns <paramref name="host"/>'s plan off (the agent stops scheduling it once the new plan set arrives).</summary>
    public Task DisablePlanAsync(SimulatedHost host) => BackupApi.DisablePlanAsync(Admin, host.PlanId);

    /// <summary>Ids of the jobs the agents said they finished, from their logs (killed and restarted ones included).</summary>
    public IReadOnlyList<string> JobsTheAgentsEnded(string kind) =>
        AgentLog.EndedJobs(App.Output.Split('\n'), kind);

    /// <summary>The root all of this stack's files live under.</summary>
    public string Root => _root.Path;

    /// <summary>Processes whose command line names this stack's root (its server and agents), from /proc.</summary>
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

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        _root.Dispose();
    }
}

using System.Net.Http.Json;
using System.Text.Json;

namespace RestikManager.Tests.Infrastructure;

/// <summary>
/// A published server with enrolled, running agents, a local restic repository (initialised through an agent),
/// and a sample tree per host: the starting point of the backup tests.
/// </summary>
internal sealed class BackupStack : IAsyncDisposable
{
    private readonly Dictionary<string, string> _configs = [];
    private readonly Dictionary<string, ChildProcess> _agents = [];

    private BackupStack(PublishedStack stack) => Stack = stack;

    public PublishedStack Stack { get; }

    public HttpClient Admin => Stack.Admin;

    public string RepositoryId { get; private set; } = "";

    public string RepositoryPath => Stack.Root.Of("repo");

    public static Task<BackupStack> StartAsync(PublishedTree tree, string[] hosts, bool init = true, params string[] agentOptions) =>
        StartAsync(tree, hosts, repositoryUrl: null, init, agentOptions);

    /// <summary>As above, with the repository's restic URL made from <see cref="RepositoryPath"/> by <paramref name="repositoryUrl"/>.</summary>
    public static async Task<BackupStack> StartAsync(
        PublishedTree tree, string[] hosts, Func<string, string>? repositoryUrl, bool init, string[] agentOptions,
        IReadOnlyDictionary<string, string?>? serverEnv = null)
    {
        var backups = new BackupStack(await PublishedStack.StartAsync(tree, serverEnv));
        foreach (var host in hosts)
        {
            backups._configs[host] = await backups.Stack.EnrollAsync(host);
            backups.StartAgent(host, agentOptions);
            BackupApi.WriteSampleTree(backups.Source(host), seed: host.GetHashCode(StringComparison.Ordinal));
        }

        await Api.WaitForHostsAsync(backups.Admin, h => h.Count(x => x.GetProperty("status").GetString() == "online") == hosts.Length,
            TimeSpan.FromSeconds(60), "all hosts online");
        var url = repositoryUrl?.Invoke(backups.RepositoryPath) ?? backups.RepositoryPath;
        if (init)
        {
            // Created and initialised in one request (restic init as a job on the first host).
            using var created = await backups.Admin.PostAsJsonAsync("/api/v1/repositories",
                new { name = "main", url, password = BackupApi.RepoPassword, init = true, initHost = hosts[0] });
            var body = await created.JsonAsync();
            created.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, body.ToString());
            backups.RepositoryId = body.Str("id");
            var job = await BackupApi.WaitForJobAsync(backups.Admin, body.Str("initJob"), TimeSpan.FromSeconds(90));
            job.Str("status").ShouldBe("succeeded", job.ToString());
            job.Str("kind").ShouldBe("init");
        }
        else
        {
            backups.RepositoryId = await BackupApi.CreateRepositoryAsync(backups.Admin, "main", url);
        }

        return backups;
    }

    public string Source(string host) => Stack.Root.Of("sources", host);

    public string StateDir(string host) => PublishedStack.StateDir(_configs[host]);

    public ChildProcess Agent(string host) => _agents[host];

    public ChildProcess StartAgent(string host, params string[] options)
    {
        _agents[host] = Stack.RunAgent(_configs[host], options);
        return _agents[host];
    }

    /// <summary>
    /// Stops <paramref name="host"/>'s agent, waits until the server has seen it go, then starts it again with
    /// <paramref name="options"/> and waits until it is back online (waiting only for "online" would pass on the old
    /// connection before the server notices it dropped).
    /// </summary>
    public async Task RestartAgentAsync(string host, params string[] options)
    {
        _agents[host].Dispose();
        await Api.WaitForHostsAsync(Admin, h => h.Any(x => x.Str("hostname") == host && x.Str("status") != "online"),
            TimeSpan.FromSeconds(30), host + " offline");
        StartAgent(host, options);
        await Api.WaitForHostsAsync(Admin, h => h.Any(x => x.Str("hostname") == host && x.Str("status") == "online"),
            TimeSpan.FromSeconds(60), host + " online again");
    }

    /// <summary>A plan over <see cref="Source"/> of <paramref name="hosts"/>; <paramref name="extra"/> overrides fields.</summary>
    public async Task<string> PlanAsync(string name, string[] hosts, Dictionary<string, object?>? extra = null)
    {
        var plan = new Dictionary<string, object?>
        {
            ["name"] = name,
            ["repositoryId"] = RepositoryId,
            ["hosts"] = hosts,
            ["paths"] = hosts.Select(Source).Distinct().ToArray(),
            ["schedule"] = "0 0 3 * * ?",
            ["timeZone"] = "UTC",
        };
        foreach (var (key, value) in extra ?? [])
        {
            plan[key] = value;
        }

        return await BackupApi.CreatePlanAsync(Admin, plan);
    }

    /// <summary>Runs a backup of <paramref name="planId"/> on <paramref name="host"/> and waits for it.</summary>
    public Task<JsonElement> BackupAsync(string planId, string host) =>
        BackupApi.RunJobAsync(Admin, new { kind = "backup", planId, host });

    /// <summary>One page of <paramref name="path"/> in <paramref name="snapshot"/>, through the API.</summary>
    public async Task<JsonElement> BrowseAsync(string snapshot, string path, int offset = 0, int limit = 100)
    {
        using var response = await Admin.GetAsync(
            $"/api/v1/repositories/{RepositoryId}/snapshots/{snapshot}/tree?path={Uri.EscapeDataString(path)}&offset={offset}&limit={limit}");
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents.Values)
        {
            agent.Dispose();
        }

        await Stack.DisposeAsync();
    }
}

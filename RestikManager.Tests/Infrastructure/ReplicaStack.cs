using System.Net;

namespace RestikManager.Tests.Infrastructure;

/// <summary>
/// Two replicas of the published server on one PostgreSQL database (the shared test cluster), each with a data
/// directory of its own, behind HAProxy (Debian's, started here): health checks on <c>/health</c>, WebSockets passed
/// through, and <c>balance first</c>, so agents connect to replica A while it is up and to B once it is not. The test
/// talks to each replica directly and to agents' side through the balancer.
/// </summary>
internal sealed class ReplicaStack : IAsyncDisposable
{
    private readonly PublishedTree _tree;
    private readonly Dictionary<string, string?> _env;
    private readonly Dictionary<string, int> _ports;
    private readonly List<ChildProcess> _agents = [];
    private readonly List<string> _stopped = [];
    private ChildProcess? _balancer;

    private ReplicaStack(PublishedTree tree, string databaseUrl, IReadOnlyDictionary<string, string?>? env)
    {
        _tree = tree;
        DatabaseUrl = databaseUrl;
        _ports = new() { ["a"] = PublishedStack.FreePort(), ["b"] = PublishedStack.FreePort() };
        BalancerPort = PublishedStack.FreePort();
        _env = new Dictionary<string, string?>(env ?? new Dictionary<string, string?>())
        {
            ["RM_DATABASE_URL"] = databaseUrl,
            ["RM_SECRET_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["RM_BUNDLED_ASSETS_DIR"] = tree.Dist,
            ["RM_ADMIN_PASSWORD"] = Api.AdminPassword,
            ["RM_BASE_URL"] = $"http://127.0.0.1:{BalancerPort}",
        };
    }

    public TempDir Root { get; } = new("rm-replicas");

    public string DatabaseUrl { get; }

    public int BalancerPort { get; }

    /// <summary>The balancer's address: what agents are enrolled with.</summary>
    public string Url => $"http://127.0.0.1:{BalancerPort}";

    public Dictionary<string, ServerProcess> Servers { get; } = [];

    /// <summary>An admin API client per replica ("a", "b"), straight to it.</summary>
    public Dictionary<string, HttpClient> Admin { get; } = [];

    public string AllOutput => string.Join('\n', [.. _stopped, .. Servers.Values.Select(s => s.Process.Output), .. _agents.Select(a => a.Output), _balancer?.Output ?? ""]);

    public string ReplicaUrl(string name) => $"http://127.0.0.1:{_ports[name]}";

    public static async Task<ReplicaStack> StartAsync(PublishedTree tree, IReadOnlyDictionary<string, string?>? env = null)
    {
        var stack = new ReplicaStack(tree, PostgresCluster.Shared.NewDatabase(), env);
        try
        {
            // A first: it migrates the database and (starting first) leads.
            await stack.StartReplicaAsync("a");
            await stack.StartReplicaAsync("b");
            stack.StartBalancer();
            var token = await Api.TokenAsync(stack.Servers["a"].Http);
            foreach (var name in new[] { "a", "b" })
            {
                stack.Admin[name] = new HttpClient { BaseAddress = new Uri(stack.ReplicaUrl(name)) }.WithBearer(token);
            }

            await Eventually.TrueAsync(() => stack.BalancerAnswers(), TimeSpan.FromSeconds(20), "HAProxy up with a healthy replica", () => stack.AllOutput);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    public async Task StartReplicaAsync(string name)
    {
        var env = new Dictionary<string, string?>(_env)
        {
            ["RM_LISTEN"] = $"127.0.0.1:{_ports[name]}",
            ["RM_DATA_DIR"] = Root.Of("replica-" + name),
        };
        Servers[name] = await ServerProcess.StartAsync(_tree.ServerExecutable, env);
    }

    /// <summary>SIGKILL: the replica gets no chance to hand anything over.</summary>
    public void Kill(string name)
    {
        var server = Servers[name];
        server.Process.KillTree();
        _stopped.Add(server.Process.Output);
        server.Dispose();
        Servers.Remove(name);
    }

    /// <summary>Enrolls <paramref name="hostname"/> through the balancer with the published agent and runs it; returns the agent.</summary>
    public async Task<ChildProcess> EnrollAndRunAsync(string hostname)
    {
        var config = Root.Of("agents", hostname, "agent.json");
        var (code, output) = await ChildProcess.RunAsync(_tree.Agent("linux-amd64"),
            ["enroll", "--server", Url, "--token", await Api.EnrollmentTokenAsync(Admin["b"]), "--config", config, "--hostname", hostname]);
        code.ShouldBe(0, output);
        var agent = ChildProcess.Start("env",
            ["--default-signal=INT,TERM", _tree.Agent("linux-amd64"), "run", "--config", config, "--state-dir", PublishedStack.StateDir(config)]);
        _agents.Add(agent);
        return agent;
    }

    private void StartBalancer()
    {
        var config = Root.Write("haproxy.cfg", $$"""
            global
                maxconn 4000
            defaults
                mode http
                timeout connect 2s
                timeout client 1h
                timeout server 1h
                timeout tunnel 1h
                option redispatch
                retries 3
            frontend restic_manager
                bind 127.0.0.1:{{BalancerPort}}
                default_backend replicas
            backend replicas
                balance first
                option httpchk
                http-check send meth GET uri /health ver HTTP/1.1 hdr Host 127.0.0.1
                http-check expect status 200
                default-server inter 500ms fall 2 rise 1
                server a 127.0.0.1:{{_ports["a"]}} check
                server b 127.0.0.1:{{_ports["b"]}} check
            """ + "\n");
        _balancer = ChildProcess.Start("/usr/sbin/haproxy", ["-db", "-f", config]);
    }

    private bool BalancerAnswers()
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            return http.GetAsync(Url + "/health").GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            agent.Dispose();
        }

        _balancer?.Dispose();
        foreach (var server in Servers.Values)
        {
            server.Dispose();
        }

        foreach (var admin in Admin.Values)
        {
            admin.Dispose();
        }

        PostgresCluster.Shared.DropDatabase(DatabaseUrl);
        Root.Dispose();
        await Task.CompletedTask;
    }
}

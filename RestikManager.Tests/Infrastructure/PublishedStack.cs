
namespace RestikManager.Tests.Infrastructure;

/// <summary>
/// The published server as a process on a fixed free port (so it can be restarted where agents expect it),
/// with its own data directory and an admin API client. Everything it started dies with it.
/// </summary>
internal sealed class PublishedStack : IAsyncDisposable
{
    private readonly PublishedTree _tree;
    private readonly List<ChildProcess> _agents = [];

    private readonly IReadOnlyDictionary<string, string?> _serverEnv;

    private PublishedStack(PublishedTree tree, int port, IReadOnlyDictionary<string, string?>? serverEnv)
    {
        _tree = tree;
        Port = port;
        _serverEnv = serverEnv ?? new Dictionary<string, string?>();
    }

    public TempDir Root { get; } = new("rm-stack");

    public int Port { get; }

    public string ServerExecutablePath => _tree.ServerExecutable;

    public string Url => $"http://127.0.0.1:{Port}";

    public ServerProcess? Server { get; private set; }

    public HttpClient Admin { get; private set; } = null!;

    public string AdminToken { get; private set; } = "";

    /// <summary>Every line any process of this stack printed so far.</summary>
    public string AllOutput => string.Join('\n', [Server?.Process.Output ?? "", .. _stoppedServers, .. _agents.Select(a => a.Output)]);

    private readonly List<string> _stoppedServers = [];

    /// <summary>Starts the server; <paramref name="serverEnv"/> adds to its environment, on every (re)start.</summary>
    public static async Task<PublishedStack> StartAsync(PublishedTree tree, IReadOnlyDictionary<string, string?>? serverEnv = null, int? port = null)
    {
        var stack = new PublishedStack(tree, port ?? FreePort(), serverEnv);
        await stack.StartServerAsync();
        stack.AdminToken = await Api.TokenAsync(stack.Server!.Http);
        stack.Admin = new HttpClient { BaseAddress = new Uri(stack.Url) }.WithBearer(stack.AdminToken);
        return stack;
    }

    public async Task StartServerAsync()
    {
        var env = new Dictionary<string, string?>(_serverEnv)
        {
            ["RM_LISTEN"] = $"127.0.0.1:{Port}",
            ["RM_DATA_DIR"] = Root.Of("server-data"),
            ["RM_BUNDLED_ASSETS_DIR"] = _tree.Dist,
            ["RM_ADMIN_PASSWORD"] = Api.AdminPassword,
        };
        Server = await ServerProcess.StartAsync(_tree.ServerExecutable, env);
    }

    public async Task StopServerAsync()
    {
        Server!.Process.Signal(15);
        (await Server.Process.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBe(0);
        _stoppedServers.Add(Server.Process.Output);
        Server.Dispose();
        Server = null;
    }

    /// <summary>SIGKILL: the server gets no chance to flush or say goodbye.</summary>
    public void KillServer()
    {
        Server!.Process.KillTree();
        _stoppedServers.Add(Server.Process.Output);
        Server.Dispose();
        Server = null;
    }

    /// <summary>Enrolls a host named <paramref name="hostname"/> with the published agent; returns its config path.</summary>
    public async Task<string> EnrollAsync(string hostname) => await EnrollAsync(hostname, await Api.EnrollmentTokenAsync(Admin));

    /// <summary>Enrolls <paramref name="hostname"/> with <paramref name="token"/> (one an operator made); returns its config path.</summary>
    public async Task<string> EnrollAsync(string hostname, string token, string? server = null)
    {
        var config = Root.Of("agents", hostname, "agent.json");
        var (code, output) = await ChildProcess.RunAsync(_tree.Agent("linux-amd64"),
            ["enroll", "--server", server ?? Url, "--token", token, "--config", config, "--hostname", hostname]);
        code.ShouldBe(0, output);
        return config;
    }

    /// <summary>
    /// Runs the agent of <paramref name="config"/>, its state next to the config; <paramref name="extra"/> adds options.
    /// Through <c>env --default-signal</c>: a process started from a script's background job inherits SIGINT ignored, and
    /// the agent must get its stop signals as it does under systemd (the process id stays the agent's: env execs it).
    /// </summary>
    public ChildProcess RunAgent(string config, params string[] extra) => RunAgentFrom(_tree.Agent("linux-amd64"), config, null, extra);

    /// <summary>The published linux-amd64 agent.</summary>
    public string AgentExecutable => _tree.Agent("linux-amd64");

    /// <summary>As <see cref="RunAgent"/>, with the agent executable at <paramref name="executable"/> (one that may replace itself).</summary>
    public ChildProcess RunAgentFrom(string executable, string config, params string[] extra) => RunAgentFrom(executable, config, null, extra);

    /// <summary>As above, with <paramref name="env"/> added to the agent's environment (what systemd would set, say).</summary>
    public ChildProcess RunAgentFrom(string executable, string config, IReadOnlyDictionary<string, string?>? env, params string[] extra)
    {
        var agent = ChildProcess.Start("env",
            ["--default-signal=INT,TERM", executable, "run", "--config", config, "--state-dir", StateDir(config), .. extra], env);
        _agents.Add(agent);
        return agent;
    }

    /// <summary>The state directory of the agent whose config is <paramref name="config"/>.</summary>
    public static string StateDir(string config) => Path.Join(Path.GetDirectoryName(config)!, "state");

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            agent.Dispose();
        }

        Server?.Dispose();
        Admin?.Dispose();
        Root.Dispose();
        await Task.CompletedTask;
    }

    /// <summary>A loopback port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

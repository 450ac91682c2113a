using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace RestikManager.AppHost;

/// <summary>
/// What the stack is made of. <paramref name="PublishedDir"/> is deploy/publish.sh's output (server/ and dist/);
/// <paramref name="Root"/> holds the server's data and one home per host; <paramref name="Port"/> 0 picks a free
/// port (kept across server restarts); <paramref name="Environment"/> goes to the server and every agent (the
/// OTEL_* variables, for one); <paramref name="Log"/> receives every line every process prints.
/// </summary>
public sealed record AppModelOptions(
    string PublishedDir, string Root, int Port = 0, int Hosts = 3, string PlanSchedule = "0 */5 * * * ?",
    IReadOnlyDictionary<string, string?>? Environment = null, Action<string, string>? Log = null);

/// <summary>One simulated host: a real agent process with its own home (config, state, data to back up, repository).</summary>
public sealed record SimulatedHost(string Name, string Home)
{
    public string Config => Path.Join(Home, "agent.json");

    public string StateDir => Path.Join(Home, "state");

    public string Data => Path.Join(Home, "data");

    public string Repository => Path.Join(Home, "repo");

    /// <summary>The host's repository and plan on the server, once <see cref="SampleBackups"/> has made them.</summary>
    public string RepositoryId { get; internal set; } = "";

    public string PlanId { get; internal set; } = "";
}

/// <summary>
/// The running stack: the server and N simulated hosts, enrolled through the real enrollment flow, each with a
/// sample tree, a local restic repository and a plan. The AppHost shows it; the full-stack tests drive it
/// (kill and restart the server or an agent). Disposing stops every process it started.
/// </summary>
public sealed class RunningApp : IAsyncDisposable
{
    /// <summary>The stack's admin login (printed by the AppHost; never use it elsewhere).</summary>
    public const string AdminPassword = "restic-manager-dev";

    private readonly AppModelOptions _options;
    private readonly Dictionary<string, Resource> _agents = new(StringComparer.Ordinal);
    private readonly List<string> _stoppedOutput = [];

    private RunningApp(AppModelOptions options, int port)
    {
        _options = options;
        Url = new Uri($"http://127.0.0.1:{port}/");
        Hosts = [.. Enumerable.Range(1, options.Hosts).Select(i => new SimulatedHost($"host-{i}", Path.Join(options.Root, "hosts", $"host-{i}")))];
    }

    public Uri Url { get; }

    /// <summary>An API client signed in as admin (bearer token).</summary>
    public HttpClient Admin { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public IReadOnlyList<SimulatedHost> Hosts { get; }

    public Resource? Server { get; private set; }

    /// <summary>The server first, then the agents.</summary>
    public IEnumerable<Resource> Resources => Server is null ? _agents.Values : [Server, .. _agents.Values];

    /// <summary>Every line every process of the stack printed (the last ones of each).</summary>
    public string Output => string.Join('\n', [.. _stoppedOutput, .. Resources.Select(r => r.Output)]);

    private string ServerExecutable => Path.Join(_options.PublishedDir, "server", "restic-manager-server");

    private string AgentExecutable => Path.Join(_options.PublishedDir, "dist", "agent-binaries", "restic-manager-agent-linux-amd64");

    /// <summary>Starts the server, enrolls and starts every host, and gives each its repository and plan.</summary>
    public static async Task<RunningApp> StartAsync(AppModelOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var app = new RunningApp(options, options.Port == 0 ? FreePort() : options.Port);
        try
        {
            await app.StartServerAsync(cancellationToken);
            await app.SignInAsync(cancellationToken);
            foreach (var host in app.Hosts)
            {
                if (!File.Exists(host.Config))
                {
                    await app.EnrollAsync(host, cancellationToken);
                }

                app.StartAgent(host.Name);
            }

            await SampleBackups.SetUpAsync(app.Admin, app.Hosts, options.PlanSchedule, app.Say, cancellationToken);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server and waits until <c>/health</c> answers.</summary>
    public async Task StartServerAsync(CancellationToken cancellationToken)
    {
        Server = Resource.Start("server", ServerExecutable, [], WithModelEnvironment(new()
        {
            ["RM_LISTEN"] = $"127.0.0.1:{Url.Port}",
            ["RM_DATA_DIR"] = Path.Join(_options.Root, "server"),
            ["RM_BUNDLED_ASSETS_DIR"] = Path.Join(_options.PublishedDir, "dist"),
            ["RM_ADMIN_PASSWORD"] = AdminPassword,
        }), _options.Log);
        using var probe = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                using var response = await probe.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (Server.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the server did not become healthy:\n{Server.Output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>SIGKILL to the server: it gets no chance to flush or say goodbye.</summary>
    public void KillServer()
    {
        if (Server is { } server)
        {
            server.Kill();
            _stoppedOutput.Add(server.Output);
            server.Dispose();
            Server = null;
        }
    }

    /// <summary>Starts <paramref name="name"/>'s agent (again).</summary>
    public Resource StartAgent(string name)
    {
        var host = Hosts.Single(h => h.Name == name);
        return _agents[name] = Resource.Start(name, AgentExecutable, ["run", "--config", host.Config, "--state-dir", host.StateDir],
            WithModelEnvironment([]), _options.Log);
    }

    /// <summary>SIGKILL to <paramref name="name"/>'s agent and the restic it runs.</summary>
    public void KillAgent(string name)
    {
        if (_agents.Remove(name, out var agent))
        {
            agent.Kill();
            _stoppedOutput.Add(agent.Output);
            agent.Dispose();
        }
    }

    /// <summary>Stops every process: SIGTERM first, a kill of the whole tree after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        foreach (var resource in Resources.Reverse().ToList())
        {
            await resource.StopAsync(grace);
            resource.Dispose();
        }

        _agents.Clear();
        Server = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        Admin.Dispose();
    }

    private async Task SignInAsync(CancellationToken cancellationToken)
    {
        Admin.BaseAddress = Url;
        using var response = await Admin.PostAsJsonAsync("/api/v1/auth/tokens", new { username = "admin", password = AdminPassword, name = "apphost" }, cancellationToken);
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString();
        Admin.DefaultRequestHeaders.Authorization = new("Bearer", token);
    }

    private async Task EnrollAsync(SimulatedHost host, CancellationToken cancellationToken)
    {
        using var response = await Admin.PostAsJsonAsync("/api/v1/enrollment-tokens", new { label = host.Name }, cancellationToken);
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;
        var code = await Resource.RunToEndAsync(host.Name, AgentExecutable,
            ["enroll", "--server", Url.ToString(), "--token", token, "--config", host.Config, "--hostname", host.Name, "--force"],
            WithModelEnvironment([]), cancellationToken, _options.Log);
        if (code != 0)
        {
            throw new InvalidOperationException($"enrolling {host.Name} failed ({code})");
        }
    }

    private Dictionary<string, string?> WithModelEnvironment(Dictionary<string, string?> env)
    {
        foreach (var (key, value) in _options.Environment ?? new Dictionary<string, string?>())
        {
            env[key] = value;
        }

        return env;
    }

    private void Say(string line) => (_options.Log ?? Resource.ToConsole)("apphost", line);

    /// <summary>A loopback port nothing listens on now (the stack keeps it across server restarts).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

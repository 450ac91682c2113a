using System.Net.Http;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace RestikManager.AppHost;

internal sealed record DevStackOptions(int Port, int Hosts, string? DataDir);

/// <summary>
/// The development stack: builds through the one publish recipe, starts the server against the published
/// tree, enrolls N simulated hosts through the real enrollment flow and runs each as a real agent process,
/// shows the resources, streams their logs with a prefix, and stops everything on Ctrl+C.
/// </summary>
internal static class DevStack
{
    /// <summary>The dev stack's admin login (printed at start; never use it elsewhere).</summary>
    public const string AdminPassword = "restic-manager-dev";

    public static async Task<int> RunAsync(DevStackOptions options, CancellationToken cancellationToken)
    {
        if (!OnPath("restic"))
        {
            Console.Error.WriteLine("apphost: restic is not installed; install it first (Debian/Ubuntu: sudo apt-get install restic)");
            return 1;
        }

        var repo = FindRepo();
        var work = Path.Join(repo, ".tmp", "apphost");
        var keep = options.DataDir is not null;
        var root = options.DataDir is { } d ? Path.GetFullPath(d) : Path.Join(Path.GetTempPath(), $"restic-manager-dev-{Guid.NewGuid():N}");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

        Console.WriteLine("apphost: publishing the server and the linux-amd64 agent with deploy/publish.sh …");
        var publish = await Resource.RunToEndAsync("publish", "bash",
            [Path.Join(repo, "deploy", "publish.sh"), "--out", work, "--targets", "linux-amd64", "--server", "linux-amd64"], [], stop.Token);
        if (publish != 0)
        {
            Console.Error.WriteLine($"apphost: deploy/publish.sh failed ({publish})");
            return 1;
        }

        var resources = new List<Resource>();
        try
        {
            var server = Resource.Start("server", Path.Join(work, "server", "restic-manager-server"), [], new()
            {
                ["RM_LISTEN"] = $"127.0.0.1:{options.Port}",
                ["RM_DATA_DIR"] = Path.Join(root, "server"),
                ["RM_BUNDLED_ASSETS_DIR"] = Path.Join(work, "dist"),
                ["RM_ADMIN_PASSWORD"] = AdminPassword,
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"),
            });
            resources.Add(server);
            var url = await server.WaitForUrlAsync(TimeSpan.FromSeconds(60), stop.Token);
            using var admin = await AdminClientAsync(url, stop.Token);

            var agent = Path.Join(work, "dist", "agent-binaries", "restic-manager-agent-linux-amd64");
            for (var i = 1; i <= options.Hosts; i++)
            {
                var name = $"host-{i}";
                var config = Path.Join(root, "hosts", name, "agent.json");
                if (!File.Exists(config))
                {
                    var token = await EnrollmentTokenAsync(admin, name, stop.Token);
                    var enrolled = await Resource.RunToEndAsync(name, agent,
                        ["enroll", "--server", url.ToString(), "--token", token, "--config", config, "--hostname", name, "--force"], [], stop.Token);
                    if (enrolled != 0)
                    {
                        Console.Error.WriteLine($"apphost: enrolling {name} failed");
                        return 1;
                    }
                }

                resources.Add(Resource.Start(name, agent, ["run", "--config", config, "--state-dir", Path.Join(root, "hosts", name, "state")], []));
            }

            await SampleBackups.SetUpAsync(admin, root, [.. Enumerable.Range(1, options.Hosts).Select(i => $"host-{i}")], stop.Token);
            PrintTable(url, resources, root, keep);
            await Task.WhenAny(resources.Select(r => r.WaitForExitAsync(stop.Token)));
            if (!stop.IsCancellationRequested)
            {
                Console.Error.WriteLine("apphost: a resource exited on its own; stopping everything.");
                return 1;
            }

            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }
        finally
        {
            Console.WriteLine("apphost: stopping …");
            for (var i = resources.Count - 1; i >= 0; i--)
            {
                await resources[i].StopAsync(TimeSpan.FromSeconds(15));
                resources[i].Dispose();
            }

            if (!keep && Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static async Task<HttpClient> AdminClientAsync(Uri url, CancellationToken cancellationToken)
    {
        var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var response = await http.PostAsJsonAsync("/api/v1/auth/tokens", new { username = "admin", password = AdminPassword, name = "apphost" }, cancellationToken);
                response.EnsureSuccessStatusCode();
                var token = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString();
                http.DefaultRequestHeaders.Authorization = new("Bearer", token);
                return http;
            }
            catch (HttpRequestException) when (attempt < 50)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    private static async Task<string> EnrollmentTokenAsync(HttpClient admin, string label, CancellationToken cancellationToken)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/enrollment-tokens", new { label }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;
    }

    private static void PrintTable(Uri url, IReadOnlyList<Resource> resources, string root, bool keep)
    {
        Console.WriteLine();
        Console.WriteLine($"{"RESOURCE",-10} {"STATE",-9} {"URL",-32} PID");
        foreach (var resource in resources)
        {
            Console.WriteLine($"{resource.Name,-10} {"running",-9} {(resource.Name == "server" ? url.ToString() : "-"),-32} {resource.Pid}");
        }

        Console.WriteLine();
        Console.WriteLine($"Dashboard: {url}   sign in as admin / {AdminPassword}");
        Console.WriteLine($"State: {root}{(keep ? " (kept)" : " (removed at exit)")}");
        Console.WriteLine("Press Ctrl+C to stop everything.");
        Console.WriteLine();
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(dir => dir.Length > 0 && File.Exists(Path.Join(dir, program)));

    private static string FindRepo()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Join(dir.FullName, "RestikManager.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run the AppHost from inside the restic-manager repository");
    }
}

using System.Runtime.InteropServices;

namespace RestikManager.AppHost;

internal sealed record DevStackOptions(int Port, int Hosts, string? DataDir);

/// <summary>
/// The development stack: builds through the one publish recipe, starts the <see cref="RunningApp"/> model
/// against the published tree, shows the resources, streams their logs with a prefix, and stops everything on
/// Ctrl+C.
/// </summary>
internal static class DevStack
{
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
            [Path.Join(repo, "deploy", "publish.sh"), "--out", work, "--targets", "linux-amd64", "--server", "linux-amd64"],
            new Dictionary<string, string?>(), stop.Token);
        if (publish != 0)
        {
            Console.Error.WriteLine($"apphost: deploy/publish.sh failed ({publish})");
            return 1;
        }

        RunningApp? app = null;
        try
        {
            app = await RunningApp.StartAsync(new AppModelOptions(work, root, options.Port, options.Hosts, Environment: new Dictionary<string, string?>
            {
                // Telemetry goes where the developer points it (an OTLP collector or dashboard); nowhere otherwise.
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL"),
            }), stop.Token);
            PrintTable(app, root, keep);
            await Task.WhenAny(app.Resources.Select(r => r.WaitForExitAsync(stop.Token)));
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
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"apphost: {e.Message}");
            return 1;
        }
        finally
        {
            Console.WriteLine("apphost: stopping …");
            if (app is not null)
            {
                await app.StopAsync(TimeSpan.FromSeconds(15));
                await app.DisposeAsync();
            }

            if (!keep && Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static void PrintTable(RunningApp app, string root, bool keep)
    {
        Console.WriteLine();
        Console.WriteLine($"{"RESOURCE",-10} {"STATE",-9} {"URL",-32} PID");
        foreach (var resource in app.Resources)
        {
            Console.WriteLine($"{resource.Name,-10} {(resource.HasExited ? "exited" : "running"),-9} {(resource.Name == "server" ? app.Url.ToString() : "-"),-32} {resource.Pid}");
        }

        Console.WriteLine();
        Console.WriteLine($"Dashboard: {app.Url}   sign in as admin / {RunningApp.AdminPassword}");
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

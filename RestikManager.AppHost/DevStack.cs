using System.Diagnostics;
using System.Net.Http;
using System.Runtime.InteropServices;

namespace RestikManager.AppHost;

internal sealed record DevStackOptions(int Port, string? DataDir);

/// <summary>
/// The development stack: builds through the one publish recipe, starts the server against the
/// published tree, shows the resources, streams their logs with a prefix, and stops everything on
/// Ctrl+C. Simulated hosts join this model as the fleet features land.
/// </summary>
internal static class DevStack
{
    public static async Task<int> RunAsync(DevStackOptions options, CancellationToken cancellationToken)
    {
        var repo = FindRepo();
        var work = Path.Join(repo, ".tmp", "apphost");
        var keepData = options.DataDir is not null;
        var dataDir = options.DataDir is { } d ? Path.GetFullPath(d) : Path.Join(Path.GetTempPath(), $"restic-manager-dev-{Guid.NewGuid():N}");

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

        using var server = Resource.Start("server", Path.Join(work, "server", "restic-manager-server"), [], new()
        {
            ["RM_LISTEN"] = $"127.0.0.1:{options.Port}",
            ["RM_DATA_DIR"] = dataDir,
            ["RM_BUNDLED_ASSETS_DIR"] = Path.Join(work, "dist"),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"),
        });
        try
        {
            var url = await server.WaitForUrlAsync(TimeSpan.FromSeconds(60), stop.Token);
            await WaitHealthyAsync(url, stop.Token);
            PrintTable([("server", "running", url.ToString(), server.Pid)], dataDir, keepData);
            await server.WaitForExitAsync(stop.Token);
            Console.Error.WriteLine("apphost: the server exited on its own; stopping.");
            return 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.WriteLine("apphost: stopping …");
            return 0;
        }
        finally
        {
            await server.StopAsync(TimeSpan.FromSeconds(15));
            if (!keepData && Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    private static async Task WaitHealthyAsync(Uri url, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (attempt < 100)
            {
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static void PrintTable(IReadOnlyList<(string Name, string State, string Url, int Pid)> rows, string dataDir, bool keepData)
    {
        Console.WriteLine();
        Console.WriteLine($"{"RESOURCE",-10} {"STATE",-9} {"URL",-32} PID");
        foreach (var (name, state, url, pid) in rows)
        {
            Console.WriteLine($"{name,-10} {state,-9} {url,-32} {pid}");
        }

        Console.WriteLine();
        Console.WriteLine($"Dashboard: {rows[0].Url}   data: {dataDir}{(keepData ? " (kept)" : " (removed at exit)")}");
        Console.WriteLine("Press Ctrl+C to stop everything.");
        Console.WriteLine();
    }

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

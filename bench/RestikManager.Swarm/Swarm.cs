using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using RestikManager.Agent.Connection;
using RestikManager.Contracts.Protocol;

namespace RestikManager.Swarm;

internal sealed record SwarmOptions(IReadOnlyList<Uri> Servers, int Agents, string AdminPassword, string Mode, TimeSpan Hold, TimeSpan Timeout)
{
    /// <summary>Where the agents' credentials are kept, to run again against the same server without enrolling.</summary>
    public string? CredentialsFile { get; init; }

    /// <summary>The first agent's number in its hostname.</summary>
    public int First { get; init; }

    /// <summary>The API goes to the first server (replicas share one database).</summary>
    public Uri Server => Servers[0];
}

/// <summary>
/// Enrolls N agents through the real API, then keeps N WebSockets open speaking the real protocol (hello,
/// welcome, heartbeats), reconnecting with the real agent's backoff. Prints progress and a result line.
/// </summary>
internal static class Swarm
{
    public static async Task<int> RunAsync(SwarmOptions options, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        var clock = Stopwatch.StartNew();
        List<string> credentials;
        if (options.CredentialsFile is { } saved && File.Exists(saved))
        {
            credentials = [.. File.ReadAllLines(saved).Take(options.Agents)];
        }
        else
        {
            credentials = await EnrollAsync(options, deadline.Token);
            if (options.CredentialsFile is { } file)
            {
                await File.WriteAllLinesAsync(file, credentials, deadline.Token);
            }
        }

        Console.WriteLine($"swarm: enrolled {credentials.Count} agents in {clock.Elapsed.TotalSeconds:F1} s");

        if (options.Mode == "enroll")
        {
            return 0;
        }

        var stats = new SwarmStats(options.Agents);
        clock.Restart();
        var tasks = credentials.Select((c, i) => SimulatedAgent.RunAsync(Rotate(options.Servers, i), c, $"swarm-{options.First + i:D5}", stats, deadline.Token, works: options.Mode == "progress")).ToList();
        try
        {
            await stats.AllOnline.Task.WaitAsync(deadline.Token);
            Console.WriteLine($"swarm: all {options.Agents} online after {clock.Elapsed.TotalSeconds:F1} s; hello→welcome p50 {stats.Percentile(0.5):F0} ms, p99 {stats.Percentile(0.99):F0} ms");
            Console.WriteLine("swarm: HOLDING");
            if (options.Mode == "progress")
            {
                using var api = await ApiAsync(options, deadline.Token);
                return await ProgressLatency.MeasureAsync(options.Server, api, options.AdminPassword, watch: 20, deadline.Token) ? 0 : 1;
            }

            if (options.Mode == "storm")
            {
                stats.StartStorm();
                await stats.StormOver.Task.WaitAsync(deadline.Token);
                Console.WriteLine($"swarm: STORM all {options.Agents} online again {stats.StormSeconds:F1} s after the first drop; " +
                    $"hello→welcome p50 {stats.Percentile(0.5):F0} ms, p99 {stats.Percentile(0.99):F0} ms, max {stats.Percentile(1):F0} ms; " +
                    $"{stats.FailedAttempts} failed connection attempts");
            }
            else
            {
                await Task.Delay(options.Hold, deadline.Token);
                Console.WriteLine($"swarm: HELD {stats.Online} connections for {options.Hold.TotalSeconds:F0} s");
            }

            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine($"swarm: TIMEOUT with {stats.Online} of {options.Agents} online");
            return 1;
        }
        finally
        {
            await deadline.CancelAsync();
            await Task.WhenAll(tasks);
        }
    }

    /// <summary>The servers in the order agent <paramref name="i"/> tries them: its own first, so agents spread evenly.</summary>
    private static Uri[] Rotate(IReadOnlyList<Uri> servers, int i) => [.. servers.Skip(i % servers.Count), .. servers.Take(i % servers.Count)];

    /// <summary>An API client signed in as admin.</summary>
    private static async Task<HttpClient> ApiAsync(SwarmOptions options, CancellationToken cancellationToken)
    {
        var http = new HttpClient { BaseAddress = options.Server };
        using var login = await http.PostAsJsonAsync("/api/v1/auth/tokens", new { username = "admin", password = options.AdminPassword, name = "swarm" }, cancellationToken);
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString();
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return http;
    }

    private static async Task<List<string>> EnrollAsync(SwarmOptions options, CancellationToken cancellationToken)
    {
        using var http = await ApiAsync(options, cancellationToken);
        var credentials = new string[options.Agents];
        await Parallel.ForAsync(0, options.Agents, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            using var created = await http.PostAsJsonAsync("/api/v1/enrollment-tokens", new { label = "swarm" }, ct);
            created.EnsureSuccessStatusCode();
            var enrollment = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("token").GetString()!;
            var request = new EnrollRequest(enrollment, $"swarm-{options.First + i:D5}", "linux", "amd64", "0.0.0-swarm", Replace: true);
            using var enrolled = await http.PostAsJsonAsync(AgentProtocol.EnrollPath, request, ProtocolJsonContext.Default.EnrollRequest, ct);
            enrolled.EnsureSuccessStatusCode();
            credentials[i] = (await enrolled.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.EnrollResponse, ct))!.Credential;
        });
        return [.. credentials];
    }
}

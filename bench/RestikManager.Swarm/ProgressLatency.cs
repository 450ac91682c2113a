using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RestikManager.Swarm;

/// <summary>
/// How long a job's progress takes from the agent to a browser: signs in like a browser (form, cookie), runs a plan over
/// the working swarm, watches the jobs' pages' event streams, and compares each progress fragment's arrival with the
/// send time the simulated agent wrote into it. Prints the percentiles.
/// </summary>
internal static partial class ProgressLatency
{
    private static readonly string[] SwarmLabel = ["swarm"];
    private static readonly string[] SwarmPaths = ["/srv"];

    public static async Task<bool> MeasureAsync(Uri server, HttpClient api, string password, int watch, CancellationToken cancellationToken)
    {
        var repository = await IdAsync(api, "/api/v1/repositories", new { name = "bench", url = "/srv/bench", password = "bench-repo-password" }, cancellationToken);
        var plan = await IdAsync(api, "/api/v1/plans", new { name = "swarm", repositoryId = repository, labels = SwarmLabel, paths = SwarmPaths }, cancellationToken);
        using var browser = await SignInAsync(server, password, cancellationToken);
        using var run = await api.PostAsync($"/api/v1/plans/{plan}/run", null, cancellationToken);
        run.EnsureSuccessStatusCode();
        var jobs = (await run.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).EnumerateArray().Select(j => j.GetProperty("id").GetString()!).ToList();
        var latencies = new List<double>();
        await Task.WhenAll(jobs.Take(watch).Select(job => WatchAsync(browser, job, latencies, cancellationToken)));
        if (latencies.Count == 0)
        {
            Console.WriteLine("swarm: PROGRESS no progress reached the pages");
            return false;
        }

        latencies.Sort();
        double At(double p) => latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(p * latencies.Count) - 1)];
        Console.WriteLine($"swarm: PROGRESS {latencies.Count} updates on {Math.Min(watch, jobs.Count)} job pages ({jobs.Count} jobs running): " +
            $"agent→page p50 {At(0.5):F0} ms, p99 {At(0.99):F0} ms, max {latencies[^1]:F0} ms");
        return true;
    }

    private static async Task WatchAsync(HttpClient browser, string job, List<double> latencies, CancellationToken cancellationToken)
    {
        using var response = await browser.GetAsync($"/live/jobs/{job}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line.AsSpan(5));
                continue;
            }

            if (line.Length > 0 || data.Length == 0)
            {
                continue;
            }

            // One event: its fragment, arrived now.
            var arrived = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var fragment = data.ToString();
            data.Clear();
            if (SentAt().Match(fragment) is { Success: true } sent)
            {
                lock (latencies)
                {
                    latencies.Add(arrived - long.Parse(sent.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            if (fragment.Contains("data-status=\"succeeded\"", StringComparison.Ordinal))
            {
                return;
            }
        }
    }

    private static async Task<HttpClient> SignInAsync(Uri server, string password, CancellationToken cancellationToken)
    {
        var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan,
        };
        var form = await browser.GetStringAsync("/signin", cancellationToken);
        var token = Antiforgery().Match(form).Groups[1].Value;
        using var signedIn = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "admin", ["password"] = password, ["__RequestVerificationToken"] = token,
        }), cancellationToken);
        if (signedIn.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"signing in failed: {(int)signedIn.StatusCode}");
        }

        return browser;
    }

    private static async Task<string> IdAsync(HttpClient api, string path, object body, CancellationToken cancellationToken)
    {
        using var created = await api.PostAsJsonAsync(path, body, cancellationToken);
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetString()!;
    }

    [GeneratedRegex(@"/sent-at/(\d+)")]
    private static partial Regex SentAt();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();
}

using System.Net.Http.Json;
using System.Text.Json;

namespace RestikManager.AppHost;

/// <summary>
/// Gives each simulated host something to back up: a small generated file tree, its own local restic repository
/// (initialised through its agent) and a plan that backs the tree up on <c>schedule</c>, keeps the last 12
/// snapshots and forgets older ones hourly. Hosts that already have them (a kept data dir) keep theirs.
/// </summary>
internal static class SampleBackups
{
    public static async Task SetUpAsync(HttpClient admin, IReadOnlyList<SimulatedHost> hosts, string schedule, Action<string> say,
        CancellationToken cancellationToken)
    {
        var repositories = await admin.GetFromJsonAsync<JsonElement>("/api/v1/repositories", cancellationToken);
        var plans = await admin.GetFromJsonAsync<JsonElement>("/api/v1/plans", cancellationToken);
        await WaitOnlineAsync(admin, hosts.Count, cancellationToken);
        foreach (var host in hosts)
        {
            host.RepositoryId = IdNamed(repositories, $"{host.Name} repo") ?? "";
            host.PlanId = IdNamed(plans, $"{host.Name} files") ?? "";
            if (host.RepositoryId.Length > 0 && host.PlanId.Length > 0)
            {
                continue;
            }

            WriteTree(host.Data, host.Name.GetHashCode(StringComparison.Ordinal));
            host.RepositoryId = await PostAsync(admin, "/api/v1/repositories",
                new { name = $"{host.Name} repo", url = host.Repository, password = $"dev-{host.Name}-repository-password" }, cancellationToken);
            var init = await PostAsync(admin, "/api/v1/jobs", new { kind = "init", repositoryId = host.RepositoryId, host = host.Name }, cancellationToken);
            await WaitForJobAsync(admin, init, cancellationToken);
            host.PlanId = await PostAsync(admin, "/api/v1/plans", new
            {
                name = $"{host.Name} files",
                repositoryId = host.RepositoryId,
                hosts = new[] { host.Name },
                paths = new[] { host.Data },
                schedule,
                timeZone = "UTC",
                retention = new { keepLast = 12 },
                forgetSchedule = "0 0 * * * ?",
            }, cancellationToken);
            say($"{host.Name}: repository and a plan backing up {host.Data} on '{schedule}'");
        }
    }

    private static string? IdNamed(JsonElement list, string name) =>
        list.EnumerateArray().Where(e => e.GetProperty("name").GetString() == name).Select(e => e.GetProperty("id").GetString()).FirstOrDefault();

    private static void WriteTree(string dir, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 60; i++)
        {
            var folder = Path.Join(dir, $"project{i % 5}", i % 2 == 0 ? "src" : "docs");
            Directory.CreateDirectory(folder);
            var bytes = new byte[random.Next(100, 200_000)];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Join(folder, $"file{i:00}.bin"), bytes);
        }
    }

    private static async Task<string> PostAsync(HttpClient admin, string path, object body, CancellationToken cancellationToken)
    {
        using var response = await admin.PostAsJsonAsync(path, body, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} failed: {(int)response.StatusCode} {text}");
        }

        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task WaitOnlineAsync(HttpClient admin, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 600; i++)
        {
            var hosts = await admin.GetFromJsonAsync<JsonElement>("/api/v1/hosts", cancellationToken);
            if (hosts.EnumerateArray().Count(h => h.GetProperty("status").GetString() == "online") >= count)
            {
                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException("the simulated hosts did not come online within a minute");
    }

    private static async Task WaitForJobAsync(HttpClient admin, string id, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 1200; i++)
        {
            var job = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{id}", cancellationToken);
            if (job.GetProperty("finishedAt").ValueKind == JsonValueKind.String)
            {
                if (job.GetProperty("status").GetString() != "succeeded")
                {
                    throw new InvalidOperationException($"initialising a repository failed: {job.GetProperty("error")}");
                }

                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"job {id} did not end within two minutes");
    }
}

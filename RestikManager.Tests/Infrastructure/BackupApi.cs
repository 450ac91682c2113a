using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace RestikManager.Tests.Infrastructure;

/// <summary>Helpers for the backups API: repositories, plans, jobs, snapshots.</summary>
internal static class BackupApi
{
    public const string RepoPassword = "correct-horse-battery-staple-repo";

    public static async Task<string> CreateRepositoryAsync(HttpClient admin, string name, string url, string password = RepoPassword)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/repositories", new { name, url, password });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    public static async Task<string> CreatePlanAsync(HttpClient admin, object plan)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/plans", plan);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    /// <summary>Turns a plan off (its agents stop scheduling it once the new plan set arrives), through PUT with the plan as read.</summary>
    public static async Task DisablePlanAsync(HttpClient admin, string planId)
    {
        var plan = System.Text.Json.Nodes.JsonNode.Parse(await admin.GetStringAsync($"/api/v1/plans/{planId}"))!.AsObject();
        plan["enabled"] = false;
        using var response = await admin.PutAsJsonAsync($"/api/v1/plans/{planId}", plan);
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    public static async Task<string> StartJobAsync(HttpClient admin, object job)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/jobs", job);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    /// <summary>Starts a job and waits for it to end; returns the job.</summary>
    public static async Task<JsonElement> RunJobAsync(HttpClient admin, object job, TimeSpan? timeout = null) =>
        await WaitForJobAsync(admin, await StartJobAsync(admin, job), timeout ?? TimeSpan.FromSeconds(90));

    public static async Task<JsonElement> WaitForJobAsync(HttpClient admin, string id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement job = default;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await admin.GetAsync($"/api/v1/jobs/{id}");
            job = await response.JsonAsync();
            if (job.GetProperty("finishedAt").ValueKind == JsonValueKind.String)
            {
                return job;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"job {id} did not end within {timeout}: {job}");
    }

    public static async Task<JsonElement[]> JobsAsync(HttpClient admin, string query = "")
    {
        using var response = await admin.GetAsync($"/api/v1/jobs?limit=1000{query}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return [.. (await response.JsonAsync()).EnumerateArray()];
    }

    /// <summary>Polls the job list until <paramref name="condition"/> holds.</summary>
    public static async Task<JsonElement[]> WaitForJobsAsync(HttpClient admin, string query, Func<JsonElement[], bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement[] jobs = [];
        while (DateTime.UtcNow < deadline)
        {
            jobs = await JobsAsync(admin, query);
            if (condition(jobs))
            {
                return jobs;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"jobs never became: {what}. Last: {JsonSerializer.Serialize(jobs)}");
    }

    public static async Task<JsonElement[]> SnapshotsAsync(HttpClient admin, string repositoryId, bool refresh = true)
    {
        using var response = refresh
            ? await admin.PostAsync($"/api/v1/repositories/{repositoryId}/snapshots/refresh", null)
            : await admin.GetAsync($"/api/v1/repositories/{repositoryId}/snapshots");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return [.. (await response.JsonAsync()).GetProperty("snapshots").EnumerateArray()];
    }

    /// <summary>A property as text; "" when it is null or absent.</summary>
    public static string Str(this JsonElement element, string property) =>
        !element.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null ? "" : value.ToString();

    /// <summary>A small tree of files with known, varied content (some binary, some empty, nested).</summary>
    public static void WriteSampleTree(string root, int files = 40, int seed = 1)
    {
        var random = new Random(seed);
        for (var i = 0; i < files; i++)
        {
            var dir = Path.Join(root, $"dir{i % 4}", i % 3 == 0 ? "nested" : "");
            Directory.CreateDirectory(dir);
            var bytes = new byte[i == 0 ? 0 : random.Next(1, 64 * 1024)];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Join(dir, $"file{i}.bin"), bytes);
        }

        File.WriteAllText(Path.Join(root, "readme.txt"), "hello from the sample tree\n");
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>
/// Second copies with the published server, a real agent and real restic: a plan's snapshot reaches its copy target
/// after the backup (listed there with the same tree), a second copy copies nothing new, a wrong password on the target
/// fails the copy with <c>wrong_password</c> and writes nothing, and the verdict goes <c>no_copy</c> → <c>protected</c>
/// as the copy lands. Bad copy targets are a 400 naming the field.
/// </summary>
[Collection(PublishedTreeGroup.Backups)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class SecondCopyTests(PublishedTree tree)
{
    private const string OffsitePassword = "offsite-password-31337";

    [Fact]
    public async Task EachBackupIsCopiedToTheTargetOnceAndTheVerdictWaitsForTheCopy()
    {
        // Every change is followed by a size reading (the default is at most one an hour per repository).
        await using var backups = await BackupStack.StartAsync(tree, ["web1"], repositoryUrl: null, init: true, agentOptions: [],
            serverEnv: new Dictionary<string, string?> { ["Stats__Every"] = "00:00:00" });
        var admin = backups.Admin;
        var offsitePath = backups.Stack.Root.Of("offsite");
        using (var created = await admin.PostAsJsonAsync("/api/v1/repositories",
                   new { name = "offsite", url = offsitePath, password = OffsitePassword, init = true, initHost = "web1" }))
        {
            var body = await created.JsonAsync();
            created.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
            (await BackupApi.WaitForJobAsync(admin, body.Str("initJob"), TimeSpan.FromSeconds(90))).Str("status").ShouldBe("succeeded");
        }

        var offsite = (await ArrayAsync(admin, "/api/v1/repositories")).Single(r => r.Str("name") == "offsite").Str("id");

        // Bad targets first: the plan's own repository, one that does not exist, and a required copy with no target.
        foreach (var (extra, field) in new (Dictionary<string, object?>, string)[]
        {
            (new() { ["copyTo"] = new[] { backups.RepositoryId } }, "copyTo"),
            (new() { ["copyTo"] = new[] { "no-such-repository" } }, "copyTo"),
            (new() { ["requireCopy"] = true }, "requireCopy"),
        })
        {
            using var refused = await admin.PostAsJsonAsync("/api/v1/plans", PlanBody(backups, "refused", extra));
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await refused.JsonAsync()).GetProperty("error").Str("field").ShouldBe(field);
        }

        (await ArrayAsync(admin, "/api/v1/plans")).ShouldBeEmpty("a refused plan is not saved");

        // The target's password is wrong: the copy after the backup fails as wrong_password, and nothing is written there.
        await SetPasswordAsync(admin, offsite, "not-the-offsite-password");
        var plan = await BackupApi.CreatePlanAsync(admin, PlanBody(backups, "web1 files", new() { ["copyTo"] = new[] { offsite }, ["requireCopy"] = true }));
        var backup = await backups.BackupAsync(plan, "web1");
        backup.Str("status").ShouldBe("succeeded", backup.ToString());
        var failed = (await BackupApi.WaitForJobsAsync(admin, $"&plan={plan}", jobs => jobs.Any(j => j.Str("kind") == "copy" && j.Str("status") is "failed" or "succeeded"),
            TimeSpan.FromSeconds(90), "the copy after the backup")).First(j => j.Str("kind") == "copy");
        failed.Str("status").ShouldBe("failed", failed.ToString());
        failed.Str("errorClass").ShouldBe("wrong_password");
        failed.Str("repositoryId").ShouldBe(offsite);
        failed.Str("copyFromRepositoryId").ShouldBe(backups.RepositoryId);
        (await SnapshotsInAsync(offsitePath, OffsitePassword)).ShouldBeEmpty("a failed copy writes nothing");
        (await PlanVerdictAsync(admin)).Str("verdict").ShouldBe("no_copy");

        // The backup was followed by a reading of the repository's size (restic stats through the agent).
        var stats = await StatsAsync(admin, backups.RepositoryId, s => s.ValueKind != JsonValueKind.Null && s.GetInt32() == 1);
        stats.GetProperty("totalSize").GetInt64().ShouldBeGreaterThan(0);
        stats.GetProperty("rawSize").GetInt64().ShouldBeGreaterThan(0);
        stats.GetProperty("history").GetArrayLength().ShouldBeGreaterThanOrEqualTo(1);

        // With the right password the copy lands: the same tree in the target, and the verdict is protected.
        await SetPasswordAsync(admin, offsite, OffsitePassword);
        var copy = await CopyAsync(admin, plan);
        copy.Str("status").ShouldBe("succeeded", copy.ToString());
        copy.GetProperty("copy").GetProperty("copied").GetInt32().ShouldBe(1);
        copy.Str("error").ShouldContain("chunker parameters", customMessage: "offsite was initialised with its own");
        var copied = (await SnapshotsInAsync(offsitePath, OffsitePassword)).Single();
        var source = (await SnapshotsInAsync(backups.RepositoryPath, BackupApi.RepoPassword)).Single();
        copied.Str("original").ShouldBe(backup.Str("snapshotId"));
        copied.Str("tree").ShouldBe(source.Str("tree"), "the copy holds the same tree");
        var verdict = await PlanVerdictAsync(admin);
        verdict.Str("verdict").ShouldBe("protected", verdict.ToString());
        verdict.GetProperty("copiesCurrent").GetBoolean().ShouldBeTrue();

        // Again: nothing new to copy.
        var again = await CopyAsync(admin, plan);
        again.Str("status").ShouldBe("succeeded", again.ToString());
        (again.GetProperty("copy").GetProperty("copied").GetInt32(), again.GetProperty("copy").GetProperty("alreadyThere").GetInt32()).ShouldBe((0, 1));
        (await SnapshotsInAsync(offsitePath, OffsitePassword)).Length.ShouldBe(1);
        (await StatsAsync(admin, offsite, s => s.ValueKind != JsonValueKind.Null && s.GetInt32() == 1)).GetProperty("totalSize").GetInt64()
            .ShouldBe(stats.GetProperty("totalSize").GetInt64(), "the copy restores to the same size");

        // A target initialised with the source's chunker parameters takes copies without the note.
        string matched;
        using (var created = await admin.PostAsJsonAsync("/api/v1/repositories", new
               {
                   name = "matched", url = backups.Stack.Root.Of("matched"), password = OffsitePassword, init = true, initHost = "web1",
                   chunkerParamsFrom = backups.RepositoryId,
               }))
        {
            var body = await created.JsonAsync();
            created.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToString());
            matched = body.Str("id");
            (await BackupApi.WaitForJobAsync(admin, body.Str("initJob"), TimeSpan.FromSeconds(90))).Str("status").ShouldBe("succeeded");
        }

        (await ConfigAsync(backups.Stack.Root.Of("matched"), OffsitePassword)).ShouldBe(await ConfigAsync(backups.RepositoryPath, BackupApi.RepoPassword));
        var current = System.Text.Json.Nodes.JsonNode.Parse(await admin.GetStringAsync($"/api/v1/plans/{plan}"))!.AsObject();
        current["copyTo"] = new System.Text.Json.Nodes.JsonArray(offsite, matched);
        using (var updated = await admin.PutAsJsonAsync($"/api/v1/plans/{plan}", current))
        {
            updated.IsSuccessStatusCode.ShouldBeTrue(await updated.Content.ReadAsStringAsync());
        }

        using (var both = await admin.PostAsync($"/api/v1/plans/{plan}/copy", null))
        {
            var started = await both.JsonAsync();
            started.GetArrayLength().ShouldBe(2, "one copy per target");
            var intoMatched = started.EnumerateArray().Single(j => j.Str("repositoryId") == matched).Str("id");
            var done = await BackupApi.WaitForJobAsync(admin, intoMatched, TimeSpan.FromSeconds(90));
            done.Str("status").ShouldBe("succeeded", done.ToString());
            done.GetProperty("copy").GetProperty("copied").GetInt32().ShouldBe(1);
            done.TryGetProperty("error", out var error).ShouldBeTrue();
            error.ValueKind.ShouldBe(JsonValueKind.Null, "the same chunker parameters: nothing to say");
        }

        // The target is in use: it cannot be deleted while the plan copies to it.
        using var delete = await admin.DeleteAsync($"/api/v1/repositories/{offsite}");
        delete.StatusCode.ShouldBe(HttpStatusCode.Conflict);

        // The target's password never reaches the API, the logs or an agent's command line (it is in restic's environment only).
        backups.Stack.AllOutput.ShouldNotContain(OffsitePassword);
    }

    private static async Task<JsonElement[]> ArrayAsync(HttpClient admin, string url) =>
        [.. JsonDocument.Parse(await admin.GetStringAsync(url)).RootElement.EnumerateArray().Select(e => e.Clone())];

    private static Dictionary<string, object?> PlanBody(BackupStack backups, string name, Dictionary<string, object?> extra)
    {
        var plan = new Dictionary<string, object?>
        {
            ["name"] = name, ["repositoryId"] = backups.RepositoryId, ["hosts"] = new[] { "web1" }, ["paths"] = new[] { backups.Source("web1") },
        };
        foreach (var (key, value) in extra)
        {
            plan[key] = value;
        }

        return plan;
    }

    private static async Task SetPasswordAsync(HttpClient admin, string repository, string password)
    {
        var current = JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/repositories/{repository}")).RootElement;
        using var response = await admin.PutAsJsonAsync($"/api/v1/repositories/{repository}", new { name = current.Str("name"), url = current.Str("url"), password });
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> CopyAsync(HttpClient admin, string plan)
    {
        using var response = await admin.PostAsync($"/api/v1/plans/{plan}/copy", null);
        var body = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body.ToString());
        return await BackupApi.WaitForJobAsync(admin, body[0].Str("id"), TimeSpan.FromSeconds(90));
    }

    private static async Task<JsonElement> StatsAsync(HttpClient admin, string repository, Func<JsonElement, bool> snapshotCount)
    {
        JsonElement stats = default;
        await Eventually.TrueAsync(() =>
        {
            stats = JsonDocument.Parse(admin.GetStringAsync($"/api/v1/repositories/{repository}/stats").Result).RootElement.Clone();
            return snapshotCount(stats.GetProperty("snapshotCount"));
        }, TimeSpan.FromSeconds(60), $"a size reading of repository {repository}", () => stats.ToString());
        return stats;
    }

    private static async Task<JsonElement> PlanVerdictAsync(HttpClient admin) =>
        (await Api.HostsAsync(admin)).Single(h => h.Str("hostname") == "web1").GetProperty("protection").GetProperty("plans")[0];

    /// <summary>A repository's chunker polynomial (restic cat config).</summary>
    private static async Task<string> ConfigAsync(string repository, string password)
    {
        var (code, output) = await ChildProcess.RunAsync("restic", ["cat", "config", "--no-cache"],
            new Dictionary<string, string?> { ["RESTIC_REPOSITORY"] = repository, ["RESTIC_PASSWORD"] = password });
        code.ShouldBe(0, output);
        return JsonDocument.Parse(output[output.IndexOf('{')..]).RootElement.Str("chunker_polynomial");
    }

    private static async Task<JsonElement[]> SnapshotsInAsync(string repository, string password)
    {
        var (code, output) = await ChildProcess.RunAsync("restic", ["snapshots", "--json", "--no-cache"],
            new Dictionary<string, string?> { ["RESTIC_REPOSITORY"] = repository, ["RESTIC_PASSWORD"] = password });
        code.ShouldBe(0, output);
        return [.. JsonDocument.Parse(output[output.IndexOf('[')..]).RootElement.EnumerateArray().Select(e => e.Clone())];
    }
}

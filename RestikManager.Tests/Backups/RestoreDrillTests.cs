using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RestikManager.Tests.Alerts;
using RestikManager.Tests.Infrastructure;

namespace RestikManager.Tests.Backups;

/// <summary>
/// Restore drills with the published server, real agents and real restic: a drill restores and verifies a sample and
/// proves the host restorable (the verdict goes unproven → protected); a drill on the other host passes too; a flipped
/// byte in the repository's data packs fails the next drill naming the files, and <c>drill_failed</c> is delivered once;
/// a drill stays within its byte budget, and an agent killed mid-drill leaves no scratch once it starts again.
/// </summary>
[Collection(PublishedTreeGroup.Backups)]
[Trait("Category", PublishedTreeGroup.Category)]
public sealed class RestoreDrillTests(PublishedTree tree)
{
    private static readonly Dictionary<string, string?> Fast = new()
    {
        ["Alerts__EvaluateEvery"] = "00:00:00.250",
        ["Alerts__FirstRetryDelay"] = "00:00:00.250",
        ["Alerts__MaxRetryDelay"] = "00:00:01",
    };

    [Fact]
    public async Task ADrillProvesABackupRestorableOnEitherHostAndACorruptedPackFailsItNamingTheFiles()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        await using var backups = await BackupStack.StartAsync(tree, ["web1", "web2"], repositoryUrl: null, init: true, agentOptions: [], serverEnv: Fast);
        var admin = backups.Admin;
        var hook = await AlertDeliveryTests.ChannelAsync(admin, new { name = "hook", kind = "webhook", url = receiver.Url + "/hook" });
        await AlertDeliveryTests.RuleAsync(admin, new { name = "drills", events = new[] { "drill_failed" }, channels = new[] { hook } });
        var plan = await backups.PlanAsync("web1 files", ["web1"], new() { ["requireDrillWithinDays"] = 7, ["drillFiles"] = 6 });
        var backup = await backups.BackupAsync(plan, "web1");
        backup.Str("status").ShouldBe("succeeded", backup.ToString());
        (await PlanVerdictAsync(admin, "web1")).Str("verdict").ShouldBe("unproven", "drills are required and none has run");

        // A drill on the plan's own host: a sample restored, verified against the snapshot, and removed.
        var drill = await DrillAsync(admin, plan);
        drill.Str("status").ShouldBe("succeeded", drill.ToString());
        drill.Str("kind").ShouldBe("drill");
        var findings = drill.GetProperty("drill");
        findings.Str("snapshotId").ShouldBe(backup.Str("snapshotId"));
        findings.GetProperty("files").GetInt32().ShouldBe(6);
        findings.GetProperty("bytes").GetInt64().ShouldBeGreaterThan(0);
        findings.GetProperty("mismatches").GetArrayLength().ShouldBe(0);
        Directory.EnumerateFileSystemEntries(Path.Join(backups.StateDir("web1"), "drills")).ShouldBeEmpty("the scratch directory is removed");
        var verdict = await PlanVerdictAsync(admin, "web1");
        verdict.Str("verdict").ShouldBe("protected", verdict.ToString());
        verdict.Str("lastDrillSnapshotId").ShouldBe(backup.Str("snapshotId"));
        verdict.Str("lastDrillJobId").ShouldBe(drill.Str("id"));

        // The same drill restoring on the other host (cross-host restore), within a byte budget smaller than the sample.
        var web2 = (await Api.HostsAsync(admin)).Single(h => h.Str("hostname") == "web2").Str("id");
        await UpdatePlanAsync(admin, plan, new() { ["drillHost"] = "web2", ["drillMaxBytes"] = 3000 });
        var elsewhere = await DrillAsync(admin, plan);
        elsewhere.Str("status").ShouldBe("succeeded", elsewhere.ToString());
        elsewhere.Str("agentId").ShouldBe(web2);
        elsewhere.Str("subjectAgentId").ShouldBe(drill.Str("agentId"));
        elsewhere.GetProperty("drill").GetProperty("bytes").GetInt64().ShouldBeInRange(1, 3000);

        // An agent killed mid-drill (restic restoring, throttled by the plan's download limit): its scratch directory is
        // gone once it starts again, and the drill ends interrupted.
        await File.WriteAllBytesAsync(Path.Join(backups.Source("web1"), "large.bin"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(1 << 20));
        (await backups.BackupAsync(plan, "web1")).Str("status").ShouldBe("succeeded");
        await UpdatePlanAsync(admin, plan, new() { ["drillMaxBytes"] = 64 << 20, ["limitDownloadKiB"] = 100 });
        using (var started = await admin.PostAsync($"/api/v1/plans/{plan}/drill", null))
        {
            var slow = (await started.JsonAsync())[0].Str("id");
            var scratch = Path.Join(backups.StateDir("web2"), "drills", slow);
            await Eventually.TrueAsync(() => Directory.Exists(scratch), TimeSpan.FromSeconds(30), "the drill restoring into its scratch directory");
            await Task.Delay(500);
            backups.Agent("web2").KillTree();
            Directory.Exists(scratch).ShouldBeTrue("killed mid-restore, the scratch directory is left behind");
            await backups.RestartAgentAsync("web2");
            Directory.Exists(scratch).ShouldBeFalse("the agent removes drill scratch at its start");
            (await BackupApi.WaitForJobAsync(admin, slow, TimeSpan.FromSeconds(60))).Str("status").ShouldBe("interrupted");
        }

        await UpdatePlanAsync(admin, plan, new() { ["limitDownloadKiB"] = null });

        // A flipped byte in every data blob: the next drill fails, names its files, and drill_failed is told once.
        await CorruptDataBlobsAsync(backups.RepositoryPath);
        var failed = await DrillAsync(admin, plan);
        failed.Str("status").ShouldBe("failed", failed.ToString());
        failed.Str("errorClass").ShouldBe("drill_mismatch");
        var mismatches = failed.GetProperty("drill").GetProperty("mismatches").EnumerateArray().ToList();
        mismatches.ShouldNotBeEmpty();
        mismatches.ShouldAllBe(m => m.Str("path").StartsWith(backups.Source("web1"), StringComparison.Ordinal) && m.Str("problem").Length > 0);
        failed.Str("error").ShouldContain(mismatches[0].Str("path"));
        var told = await receiver.WaitForAsync(r => r.Json.Str("event") == "drill_failed", 1, TimeSpan.FromSeconds(30), "drill_failed");
        told.Single().Json.Str("message").ShouldContain(mismatches[0].Str("path"));
        (await PlanVerdictAsync(admin, "web1")).Str("verdict").ShouldBe("unproven", "the newest drill failed");
        (await Eventually.HoldsAsync(() => receiver.Requests.Count(r => r.Json.Str("event") == "drill_failed") > 1, TimeSpan.FromSeconds(2)))
            .ShouldBeFalse("one incident, one message");

    }

    [Fact]
    public async Task BadDrillInputIsA400NamingTheFieldAndAPlanWithoutABackupHasNothingToDrill()
    {
        await using var backups = await BackupStack.StartAsync(tree, ["db1"], init: true);
        var admin = backups.Admin;
        var plan = await backups.PlanAsync("db files", ["db1"], new() { ["checkReadData"] = "5%", ["checkSchedule"] = "0 0 4 * * ?" });
        var before = await admin.GetStringAsync($"/api/v1/plans/{plan}");
        JsonDocument.Parse(before).RootElement.Str("checkReadData").ShouldBe("5%");

        foreach (var (field, value) in new (string, object)[]
        {
            ("drillFiles", -1), ("drillFiles", 0), ("drillMaxBytes", -5), ("checkReadData", "200%"), ("checkReadData", "--all"),
            ("drillHost", "no-such-host"), ("drillSchedule", "every day"), ("requireDrillWithinDays", 0),
        })
        {
            using var response = await PutPlanAsync(admin, plan, new() { [field] = value });
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{field}={value}");
            (await response.JsonAsync()).GetProperty("error").Str("field").ShouldBe(field);
        }

        (await admin.GetStringAsync($"/api/v1/plans/{plan}")).ShouldBe(before, "a refused change changes nothing");
        using var nothing = await admin.PostAsync($"/api/v1/plans/{plan}/drill", null);
        nothing.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await nothing.JsonAsync()).GetProperty("error").Str("code").ShouldBe("no_snapshot");

        // A check that reads a part of the packs runs with restic's --read-data-subset.
        var check = await BackupApi.RunJobAsync(admin, new { kind = "check", planId = plan });
        check.Str("status").ShouldBe("succeeded", check.ToString());
    }

    private static async Task<JsonElement> DrillAsync(HttpClient admin, string plan)
    {
        using var response = await admin.PostAsync($"/api/v1/plans/{plan}/drill", null);
        var body = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body.ToString());
        return await BackupApi.WaitForJobAsync(admin, body[0].Str("id"), TimeSpan.FromSeconds(90));
    }

    private static async Task<JsonElement> PlanVerdictAsync(HttpClient admin, string hostname) =>
        (await Api.HostsAsync(admin)).Single(h => h.Str("hostname") == hostname).GetProperty("protection").GetProperty("plans")[0];

    private static async Task UpdatePlanAsync(HttpClient admin, string plan, Dictionary<string, object?> changes)
    {
        using var response = await PutPlanAsync(admin, plan, changes);
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    private static async Task<HttpResponseMessage> PutPlanAsync(HttpClient admin, string plan, Dictionary<string, object?> changes)
    {
        var current = JsonSerializer.Deserialize<Dictionary<string, object?>>(await admin.GetStringAsync($"/api/v1/plans/{plan}"))!;
        foreach (var (key, value) in changes)
        {
            current[key] = value;
        }

        return await admin.PutAsJsonAsync($"/api/v1/plans/{plan}", current);
    }

    /// <summary>Flips one byte inside every data blob of a local repository (trees are left whole, so listing still works).</summary>
    private static async Task CorruptDataBlobsAsync(string repository)
    {
        var env = new Dictionary<string, string?> { ["RESTIC_REPOSITORY"] = repository, ["RESTIC_PASSWORD"] = BackupApi.RepoPassword };
        var (code, list) = await ChildProcess.RunAsync("restic", ["list", "index", "--no-cache"], env);
        code.ShouldBe(0, list);
        var flipped = 0;
        foreach (var index in list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.Length == 64))
        {
            var (catCode, json) = await ChildProcess.RunAsync("restic", ["cat", "index", index, "--no-cache"], env);
            catCode.ShouldBe(0, json);
            foreach (var pack in JsonDocument.Parse(json[json.IndexOf('{')..]).RootElement.GetProperty("packs").EnumerateArray())
            {
                var path = Path.Join(repository, "data", pack.Str("id")[..2], pack.Str("id"));
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                await using var file = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
                foreach (var blob in pack.GetProperty("blobs").EnumerateArray().Where(b => b.Str("type") == "data"))
                {
                    file.Position = blob.GetProperty("offset").GetInt64() + blob.GetProperty("length").GetInt64() / 2;
                    var value = file.ReadByte();
                    file.Position--;
                    file.WriteByte((byte)(value ^ 0xFF));
                    flipped++;
                }
            }
        }

        flipped.ShouldBeGreaterThan(0);
    }
}
